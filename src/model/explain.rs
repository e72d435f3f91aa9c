//! RON parse errors in the user's terms.
//!
//! The RON parser reports what its grammar wanted at the byte where it stopped ("Expected
//! comma" for `servers: 2.5`, "Found invalid std identifier" for `service_ms: 10.0`) and
//! serde's Rust names ("LambdaFunction", "u32"). [`explain`] turns that into a sentence
//! about the design: it lexes the text up to the error to learn *where* it is (the
//! component, the field path such as `retry.max_attempts`, the kind being written) and,
//! where the parser's error does not say *what* that field takes, asks the parser by
//! parsing the text again with a probe in place of the offending value (an unknown
//! name lists an enum's variants, an unknown field a struct's fields, a number at the
//! edge of a range gives an integer's bounds). Probing happens only on the error path.

use std::fmt::Write as _;

use ron::error::{Error as RonError, SpannedError};

use super::FileError;
use super::text::printable;

/// Parses a whole document and reports only whether and where it failed.
pub(super) type Parse = fn(&str) -> Result<(), SpannedError>;

/// The name no enum variant and no struct field has, used by the probes.
const PROBE_NAME: &str = "spillway_probe_name";

/// Texts longer than this are not probed (each probe parses the whole text again); their
/// messages then leave out what only a probe can tell (an integer's bounds, an enum's
/// variants, a struct's fields).
const PROBE_LIMIT_BYTES: usize = 8 << 20;

/// The nesting RON allows before it refuses (`ron::Options::recursion_limit` default).
const RON_NESTING_LIMIT: usize = 128;

/// The parse error `err` in `text` as a [`FileError::Parse`] whose message says what was
/// wrong in the user's terms and whose line and column point at the offending token.
/// `parse` parses a document from text (it is called again with probes).
pub(super) fn explain(text: &str, err: &SpannedError, parse: Parse) -> FileError {
    let start = offset_of(text, err.span.start.line, err.span.start.col);
    let end = offset_of(text, err.span.end.line, err.span.end.col).max(start);
    // The parser's span runs from where its cursor was before its last step to where it
    // stopped. For a value it could not read, the start is that value; for what it
    // wanted next (a comma, a closing bracket), the end is the place.
    let wanted_next = matches!(
        err.code,
        RonError::ExpectedComma
            | RonError::ExpectedArrayEnd
            | RonError::ExpectedStructLikeEnd
            | RonError::ExpectedMapEnd
            | RonError::ExpectedOptionEnd
            | RonError::ExpectedMapColon
            | RonError::TrailingCharacters
            | RonError::Eof
    );
    let place = Place::scan(text, if wanted_next { end } else { start });
    let (message, at) = describe(text, &err.code, &place, parse);
    let (line, column) = match at {
        Some(offset) => line_col(text, offset),
        None => (err.span.start.line, err.span.start.col),
    };
    FileError::Parse {
        message,
        line,
        column,
        path: None,
    }
}

// --------------------------------------------------------------------------- lexing

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A name: a field, a variant, `true`, `inf`.
    Ident,
    /// A number as written, including a sign, fraction, exponent or suffix.
    Number,
    /// A string (also raw and byte strings); `closed` says whether it ends.
    Str,
    /// A character literal.
    Char,
    /// A `/* */` comment that is never closed (closed comments are skipped).
    OpenComment,
    /// Any other character: brackets, `:`, `,`.
    Punct(char),
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    closed: bool,
}

impl Tok {
    fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or_default()
    }

    fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// A forgiving RON lexer: it never fails, it only needs to find the tokens around an
/// error in text the real parser has already refused.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    /// Advance past a string body starting after its opening quote; `hashes` for raw
    /// strings (no escapes). Returns whether the closing quote was found.
    fn string_body(&mut self, raw: Option<usize>) -> bool {
        let bytes = self.src.as_bytes();
        let mut i = self.pos;
        while i < bytes.len() {
            match (bytes[i], raw) {
                (b'\\', None) => i += 2,
                (b'"', None) => {
                    self.pos = i + 1;
                    return true;
                }
                (b'"', Some(n))
                    if bytes[i + 1..]
                        .iter()
                        .take(n)
                        .filter(|&&b| b == b'#')
                        .count()
                        == n =>
                {
                    self.pos = i + 1 + n;
                    return true;
                }
                _ => i += 1,
            }
        }
        self.pos = self.src.len();
        false
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Iterator for Lexer<'_> {
    type Item = Tok;

    fn next(&mut self) -> Option<Tok> {
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if rest.starts_with("//") {
                self.pos += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            if rest.starts_with("/*") {
                let start = self.pos;
                let bytes = rest.as_bytes();
                let (mut depth, mut i) = (0usize, 0usize);
                while i + 1 < bytes.len() {
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                if depth == 0 {
                    self.pos += i;
                    continue;
                }
                self.pos = self.src.len();
                return Some(Tok {
                    kind: Kind::OpenComment,
                    start,
                    end: self.pos,
                    closed: false,
                });
            }
            let start = self.pos;
            let tok = |lexer: &Self, kind, closed| Tok {
                kind,
                start,
                end: lexer.pos,
                closed,
            };
            // Strings: "..", r#".."#, b"..", br"..".
            let after_prefix = rest
                .strip_prefix("br")
                .or_else(|| rest.strip_prefix('r'))
                .or_else(|| rest.strip_prefix('b'));
            let raw = rest.starts_with('r') || rest.starts_with("br");
            if let Some(p) = after_prefix {
                let hashes = p.len() - p.trim_start_matches('#').len();
                if p[hashes..].starts_with('"') && (raw || hashes == 0) {
                    self.pos += (rest.len() - p.len()) + hashes + 1;
                    let closed = self.string_body(raw.then_some(hashes));
                    return Some(tok(self, Kind::Str, closed));
                }
            }
            if c == '"' {
                self.pos += 1;
                let closed = self.string_body(None);
                return Some(tok(self, Kind::Str, closed));
            }
            if c == '\'' || rest.starts_with("b'") {
                let skip = if c == '\'' { 1 } else { 2 };
                let body = &rest[skip..];
                let len = if body.starts_with('\\') {
                    body.get(2..).and_then(|b| b.find('\'')).map(|i| i + 2)
                } else {
                    body.char_indices()
                        .nth(1)
                        .map(|(i, _)| i)
                        .filter(|&i| body[i..].starts_with('\''))
                };
                self.pos += skip + len.map_or(body.len(), |l| l + 1);
                return Some(tok(self, Kind::Char, len.is_some()));
            }
            if is_ident_start(c)
                || (rest.starts_with("r#") && rest[2..].starts_with(is_ident_start))
            {
                let skip = if c == 'r' && rest.starts_with("r#") {
                    2
                } else {
                    0
                };
                let len = rest[skip..]
                    .find(|c| !is_ident_char(c))
                    .unwrap_or(rest.len() - skip);
                self.pos += skip + len;
                return Some(tok(self, Kind::Ident, true));
            }
            let signed_digit = matches!(c, '+' | '-' | '.')
                && rest[1..].starts_with(|d: char| d.is_ascii_digit() || d == '.');
            if c.is_ascii_digit() || signed_digit {
                let bytes = rest.as_bytes();
                let mut i = 1;
                while i < bytes.len() {
                    let b = bytes[i];
                    let exponent_sign = matches!(b, b'+' | b'-')
                        && matches!(bytes[i - 1], b'e' | b'E')
                        && !rest.starts_with("0x");
                    if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exponent_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                self.pos += i;
                return Some(tok(self, Kind::Number, true));
            }
            self.pos += c.len_utf8();
            return Some(tok(self, Kind::Punct(c), true));
        }
    }
}

// --------------------------------------------------------------------------- context

/// One open bracket around the error.
#[derive(Clone, Debug)]
struct Frame<'a> {
    /// `(`, `[`, `{`, or `\0` for the top level.
    open: char,
    /// Where the bracket is.
    at: usize,
    /// The name written before a `(`: a kind (`Station`), a variant (`Exponential`).
    name: Option<&'a str>,
    /// The field (or map key) whose value is being written, until the next comma.
    key: Option<&'a str>,
    /// Commas seen: the index of the element in a list or tuple.
    index: usize,
    /// `id`, `name`, `from` and `to` given so far as plain strings, to name the place.
    labels: Vec<(&'a str, &'a str)>,
}

impl<'a> Frame<'a> {
    fn new(open: char, at: usize, name: Option<&'a str>) -> Self {
        Frame {
            open,
            at,
            name,
            key: None,
            index: 0,
            labels: Vec::new(),
        }
    }

    fn label(&self, key: &str) -> Option<&'a str> {
        self.labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Where in the document an error is: the open brackets around it, and the tokens just
/// before and at it.
struct Place<'a> {
    frames: Vec<Frame<'a>>,
    /// The last token before the error.
    prev: Option<Tok>,
    /// The token at (or just after) the error; none at the end of the text.
    at: Option<Tok>,
    /// Where the parser stopped.
    pos: usize,
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        _ => ' ',
    }
}

/// The text of a string token without quotes or escapes handled (for labels only).
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

impl<'a> Place<'a> {
    /// Lex `src` up to byte `pos`; `at` is the token that holds `pos`, or the first one
    /// after it.
    fn scan(src: &'a str, pos: usize) -> Self {
        let mut frames = vec![Frame::new('\0', 0, None)];
        let mut prev: Option<Tok> = None;
        let mut at = None;
        for tok in Lexer::new(src) {
            if tok.end > pos {
                at = Some(tok);
                break;
            }
            Self::step(src, &mut frames, prev, tok);
            prev = Some(tok);
        }
        Place {
            frames,
            prev,
            at,
            pos,
        }
    }

    fn step(src: &'a str, frames: &mut Vec<Frame<'a>>, prev: Option<Tok>, tok: Tok) {
        let prev_text = prev.map(|p| p.text(src));
        match tok.kind {
            Kind::Punct(c @ ('(' | '[' | '{')) => {
                let name = prev
                    .filter(|p| p.kind == Kind::Ident && c == '(')
                    .map(|p| p.text(src));
                frames.push(Frame::new(c, tok.start, name));
            }
            Kind::Punct(')' | ']' | '}') if frames.len() > 1 => {
                frames.pop();
            }
            Kind::Punct(',') => {
                if let Some(f) = frames.last_mut() {
                    f.index += 1;
                    f.key = None;
                }
            }
            Kind::Punct(':') => {
                if let (Some(f), Some(p)) = (frames.last_mut(), prev)
                    && matches!(p.kind, Kind::Ident | Kind::Str)
                    && f.key.is_none()
                {
                    f.key = prev_text.map(|t| if p.kind == Kind::Str { unquote(t) } else { t });
                }
            }
            Kind::Str if prev.is_some_and(|p| p.is(':')) => {
                if let Some(f) = frames.last_mut()
                    && let Some(key @ ("id" | "name" | "from" | "to")) = f.key
                {
                    f.labels.push((key, unquote(tok.text(src))));
                }
            }
            _ => {}
        }
    }

    fn top(&self) -> &Frame<'a> {
        // The top-level frame is never popped.
        &self.frames[self.frames.len() - 1]
    }

    /// What the error is in ("component `a`", "connection #2", "scenario"), and the
    /// index of the frame that is that subject.
    fn subject(&self) -> (String, usize) {
        let f = &self.frames;
        // f[1] is the document's `(`; its keys are the document's fields.
        for i in 2..f.len() {
            let parent_key = f[i - 1].key;
            let list_key = if i >= 3 && f[i - 1].open == '[' {
                f[i - 2].key
            } else {
                None
            };
            let nth = f[i - 1].index + 1;
            let label = |f: &Frame| -> String {
                match f.label("name").or_else(|| f.label("id")) {
                    Some(n) => format!("`{}`", short(n)),
                    None => format!("#{nth}"),
                }
            };
            match (list_key, parent_key) {
                (Some("components"), _) => {
                    return (format!("component {}", label(&f[i])), i);
                }
                (Some("connections"), _) => {
                    let s = match (f[i].label("from"), f[i].label("to")) {
                        (Some(a), Some(b)) => format!("connection `{} -> {}`", short(a), short(b)),
                        _ => format!("connection #{nth}"),
                    };
                    return (s, i);
                }
                (Some("event_types"), _) => {
                    return (format!("event type {}", label(&f[i])), i);
                }
                (None, Some("scenario")) if i == 2 => return ("scenario".to_owned(), i),
                (None, Some("account")) if i == 2 => return ("account".to_owned(), i),
                (None, Some("cost")) if i == 2 => return ("cost settings".to_owned(), i),
                _ => {}
            }
        }
        (String::new(), 1.min(f.len() - 1))
    }

    /// The dotted path of the field being written below the subject frame, e.g.
    /// `retry.max_attempts`, `event_sources[0].batch_size`, `prices["sqs.requests"]`.
    fn path(&self, from: usize) -> String {
        let mut out = String::new();
        let last = self.frames.len() - 1;
        for (i, f) in self.frames.iter().enumerate().skip(from) {
            if f.open == '[' {
                if !out.is_empty() {
                    let _ = write!(out, "[{}]", f.index);
                }
                continue;
            }
            if f.open == '(' && f.key.is_none() && i < last && !out.is_empty() {
                // a tuple inside a list: `points[2]`, then its element
                let _ = write!(out, ".{}", f.index);
                continue;
            }
            let Some(key) = f.key else { continue };
            // `kind: Station(...)`: the kind's fields read better without `kind.`
            if key == "kind" && i < last {
                continue;
            }
            if f.open == '{' {
                let _ = write!(out, "[\"{}\"]", short(key));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
        out
    }
}

/// A value from the file shortened for a message and with control characters escaped.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    printable(&out).into_owned()
}

// --------------------------------------------------------------------------- positions

/// Byte offset of a 1-based line and column (in characters), clamped to the text.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[offset..];
    let end = line_text.find('\n').unwrap_or(line_text.len());
    offset
        + line_text[..end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(end, |(i, _)| i)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = 1 + before.matches('\n').count();
    let column = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    (line, column)
}

// --------------------------------------------------------------------------- probes

/// Parse `text` with `tok` replaced by `replacement`; the error, if the parser stopped
/// inside the replacement (otherwise the replacement was accepted there).
fn probe(text: &str, tok: Tok, replacement: &str, parse: Parse) -> Option<RonError> {
    let mut probed = String::with_capacity(text.len() + replacement.len());
    probed.push_str(&text[..tok.start]);
    probed.push_str(replacement);
    probed.push_str(&text[value_end(text, tok)..]);
    let err = parse(&probed).err()?;
    let start = offset_of(&probed, err.span.start.line, err.span.start.col);
    let end = offset_of(&probed, err.span.end.line, err.span.end.col);
    (start <= tok.start + replacement.len() && end >= tok.start).then_some(err.code)
}

/// Where the value that starts with `tok` ends: after the matching bracket when `tok`
/// opens one, else after `tok`.
fn value_end(text: &str, tok: Tok) -> usize {
    if !matches!(tok.kind, Kind::Punct('(' | '[' | '{')) {
        return tok.end;
    }
    let mut depth = 0usize;
    for t in (Lexer {
        src: text,
        pos: tok.start,
    }) {
        match t.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return t.end;
                }
            }
            _ => {}
        }
    }
    tok.end
}

/// The bounds of the integer type expected where `tok` is, by probing with the largest
/// value of each type and one more.
fn integer_bounds(text: &str, tok: Tok, parse: Parse) -> Option<(i128, u128)> {
    if text.len() > PROBE_LIMIT_BYTES {
        return None;
    }
    let accepts = |v: String| {
        !matches!(
            probe(text, tok, &v, parse),
            Some(RonError::IntegerOutOfBounds | RonError::ExpectedInteger)
        )
    };
    let signed = accepts("-1".to_owned());
    for bits in [8u32, 16, 32, 64] {
        let (min, max) = if signed {
            (-(1i128 << (bits - 1)), (1u128 << (bits - 1)) - 1)
        } else {
            (0, (1u128 << bits) - 1)
        };
        if !accepts((max + 1).to_string()) {
            return accepts(max.to_string()).then_some((min, max));
        }
    }
    None
}

/// The variants of the enum expected where `tok` is, and the enum's name.
fn enum_variants(text: &str, tok: Tok, parse: Parse) -> Option<(&'static [&'static str], String)> {
    if text.len() > PROBE_LIMIT_BYTES {
        return None;
    }
    match probe(text, tok, PROBE_NAME, parse)? {
        RonError::NoSuchEnumVariant {
            expected, outer, ..
        } => Some((expected, outer.unwrap_or_default())),
        _ => None,
    }
}

/// The fields of the struct expected where `tok` is, when `tok` is a value
/// (`value == true`: probe with a whole struct) or a field name.
fn struct_fields(
    text: &str,
    tok: Tok,
    value: bool,
    parse: Parse,
) -> Option<&'static [&'static str]> {
    if text.len() > PROBE_LIMIT_BYTES {
        return None;
    }
    let replacement = if value {
        format!("({PROBE_NAME}: 0)")
    } else {
        format!("{PROBE_NAME}: 0,")
    };
    match probe(text, tok, &replacement, parse)? {
        RonError::NoSuchStructField { expected, .. } => Some(expected),
        _ => None,
    }
}

// --------------------------------------------------------------------------- wording

/// What an enum's values look like, for "`x` must be ...".
fn enum_expectation(name: &str, variants: &[&str]) -> String {
    match name {
        "Dist" => "a distribution such as `Constant(10.0)` or `Exponential(mean: 10.0)`".into(),
        "Arrivals" => {
            "an arrival process such as `Poisson(rate_per_s: 10.0)` or `Constant(rate_per_s: 10.0)`".into()
        }
        "ComponentKind" => format!(
            "a component kind such as `Station(servers: 2)` or `Sink()` (kinds: {})",
            variants.join(", ")
        ),
        "Condition" => {
            "a condition such as `Equals([\"a\"])`, `AnythingBut([\"a\"])`, `Prefix(\"a\")` or `Exists(true)`"
                .into()
        }
        _ => one_of(variants),
    }
}

/// The user's word for an enum with data, for "unknown ... `x`".
fn enum_word(name: &str) -> Option<&'static str> {
    match name {
        "Dist" => Some("distribution"),
        "Arrivals" => Some("arrival process"),
        "ComponentKind" => Some("component kind"),
        "Condition" => Some("filter condition"),
        _ => None,
    }
}

fn one_of(options: &[&str]) -> String {
    match options {
        [] => "nothing".into(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!(
            "{} or `{last}`",
            init.iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// " (did you mean `servers`?)" when one option is a small edit away from `found`.
fn did_you_mean(found: &str, options: &[&str]) -> String {
    let lower = found.to_lowercase();
    let best = options
        .iter()
        .map(|o| (edit_distance(&lower, &o.to_lowercase()), *o))
        .min();
    match best {
        Some((d, o)) if d <= 2.max(found.chars().count() / 4) && d < found.chars().count() => {
            format!(" (did you mean `{o}`?)")
        }
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// The user's words for a serde "expected" text (`u32` -> "a whole number from 0 to
/// 4294967295", `f64` -> "a number", `a string` -> "text in double quotes"); other texts
/// (a visitor's own description) are returned as they are.
pub(crate) fn expected_words(expected: &str) -> String {
    let bounds = |bits: u32, signed: bool| {
        if signed {
            format!(
                "a whole number from {} to {}",
                -(1i128 << (bits - 1)),
                (1i128 << (bits - 1)) - 1
            )
        } else {
            format!("a whole number from 0 to {}", (1u128 << bits) - 1)
        }
    };
    match expected {
        "u8" => bounds(8, false),
        "u16" => bounds(16, false),
        "u32" => bounds(32, false),
        "u64" | "usize" => bounds(64, false),
        "i8" => bounds(8, true),
        "i16" => bounds(16, true),
        "i32" => bounds(32, true),
        "i64" | "isize" => bounds(64, true),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" => "text in double quotes".into(),
        "a boolean" => "`true` or `false`".into(),
        other => other.to_owned(),
    }
}

/// "`servers`" or, at the top of a subject, "the value".
fn field(path: &str) -> String {
    if path.is_empty() {
        "the value".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// "`Station` has no field ...", "component `a` has no field ...": the struct at the
/// innermost frame followed by `rest`, with the subject named once.
fn about_struct(
    place: &Place,
    subject: &str,
    subject_frame: usize,
    path: &str,
    rest: &str,
) -> String {
    let top = place.frames.len() - 1;
    let with_subject = |what: &str| {
        if subject.is_empty() {
            format!("{what} {rest}")
        } else {
            format!("{subject}: {what} {rest}")
        }
    };
    if let Some(name) = place.top().name
        && name != "Some"
    {
        return with_subject(&format!("`{name}`"));
    }
    if top == subject_frame && !subject.is_empty() {
        return format!("{subject} {rest}");
    }
    if top <= 1 {
        return format!("the design {rest}");
    }
    if path.is_empty() {
        return with_subject("the value");
    }
    with_subject(&format!("`{path}`"))
}

// --------------------------------------------------------------------------- the cases

/// The message, and the offset to report it at (none: keep the parser's position).
fn describe(text: &str, code: &RonError, place: &Place, parse: Parse) -> (String, Option<usize>) {
    let (subject, subject_frame) = place.subject();
    let path = place.path(subject_frame);
    let at = place.at;
    // The whole value when it is a bracketed group (`[1]`), shortened.
    let found = at.map(|t| short(text.get(t.start..value_end(text, t)).unwrap_or_default()));
    let found_q = match &found {
        Some(f) => format!("`{f}`"),
        None => "the end of the file".to_owned(),
    };
    let at_offset = at.map(|t| t.start);
    let prefix = |s: String| -> String {
        if subject.is_empty() {
            s
        } else {
            format!("{subject}: {s}")
        }
    };
    let must = |expected: &str| {
        prefix(format!(
            "{} must be {expected}, found {found_q}",
            field(&path)
        ))
    };

    // The text ends inside a string, a comment or brackets: say what is missing.
    if let Some(t) = at
        && !t.closed
    {
        let what = if t.kind == Kind::OpenComment {
            "a `*/` is missing: the `/*` comment that starts here is never closed".to_owned()
        } else if t.kind == Kind::Char {
            "a `'` is missing: the character that starts here is never closed".to_owned()
        } else {
            "a `\"` is missing: the text that starts here is never closed".to_owned()
        };
        return (prefix(what), Some(t.start));
    }
    if at.is_none() && !matches!(code, RonError::TrailingCharacters) {
        if place.frames.len() <= 1 {
            let what = if text.trim().is_empty() {
                "the file is empty"
            } else {
                "the file holds no design, only comments"
            };
            return (format!("{what}: a design is written `( ... )`"), None);
        }
        let missing: String = place
            .frames
            .iter()
            .skip(1)
            .rev()
            .map(|f| closer(f.open))
            .collect();
        let (line, column) = line_col(text, place.top().at);
        let what = if missing.chars().count() == 1 {
            format!(
                "a `{missing}` is missing (for the `{}` at line {line}, column {column})",
                place.top().open
            )
        } else {
            format!(
                "`{missing}` are missing (the innermost for the `{}` at line {line}, column {column})",
                place.top().open
            )
        };
        let what = format!("the file ends early; {what}");
        return (prefix(what), Some(text.len()));
    }

    // Something other than `(` where the design starts.
    if place.frames.len() == 1 && !matches!(code, RonError::TrailingCharacters) {
        return (
            format!("a design is written `( ... )`, found {found_q}"),
            at_offset,
        );
    }

    // A `,` or `:` where a value or a field name was expected.
    let wanted_value = matches!(
        code,
        RonError::ExpectedInteger
            | RonError::ExpectedFloat
            | RonError::ExpectedBoolean
            | RonError::ExpectedString
            | RonError::ExpectedChar
            | RonError::ExpectedArray
            | RonError::ExpectedMap
            | RonError::ExpectedOption
            | RonError::ExpectedStructLike
            | RonError::ExpectedNamedStructLike(_)
            | RonError::ExpectedDifferentStructName { .. }
            | RonError::ExpectedUnit
            | RonError::ExpectedIdentifier
            | RonError::UnexpectedChar(_)
    );
    if let (Some(t), Some(p)) = (at, place.prev)
        && wanted_value
    {
        if t.is(',') && p.is(':') {
            return (
                prefix(format!("{} has no value", field(&path))),
                Some(t.start),
            );
        }
        if t.is(':') && (p.is('(') || p.is(',')) {
            return (
                prefix("a field name is missing before `:`".to_owned()),
                Some(t.start),
            );
        }
    }

    // A closing bracket where a value or another bracket was expected.
    if let Some(t) = at
        && let Kind::Punct(c @ (')' | ']' | '}')) = t.kind
        && c != closer(place.top().open)
    {
        return (mismatched(text, place, t, &prefix), Some(t.start));
    }

    let message = match code {
        RonError::ExpectedComma => {
            match at {
                // The parser read an integer from the start of `2.5` or `0x1G`.
                Some(t) if t.kind == Kind::Number && t.start < place.pos => {
                    let range = integer_bounds(text, t, parse)
                        .map(|(lo, hi)| format!(" from {lo} to {hi}"))
                        .unwrap_or_default();
                    return (must(&format!("a whole number{range}")), Some(t.start));
                }
                Some(t) if matches!(t.kind, Kind::Punct(')' | ']' | '}')) => {
                    return (mismatched(text, place, t, &prefix), Some(t.start));
                }
                Some(t) => {
                    let after = place
                        .prev
                        .map(|p| format!(" after `{}`", short(p.text(text))))
                        .unwrap_or_default();
                    return (
                        prefix(format!(
                            "a `,` is missing{after} before `{}`",
                            short(t.text(text))
                        )),
                        Some(t.start),
                    );
                }
                None => plain(code),
            }
        }
        RonError::ExpectedInteger
        | RonError::IntegerOutOfBounds
        | RonError::InvalidIntegerDigit { .. }
        | RonError::UnderscoreAtBeginning => {
            let range = at
                .and_then(|t| integer_bounds(text, t, parse))
                .map(|(lo, hi)| format!(" from {lo} to {hi}"))
                .unwrap_or_default();
            must(&format!("a whole number{range}"))
        }
        RonError::ExpectedFloat | RonError::FloatUnderscore => must("a number"),
        RonError::ExpectedBoolean => must("`true` or `false`"),
        RonError::ExpectedString => must("text in double quotes"),
        RonError::ExpectedChar | RonError::ExpectedByteLiteral | RonError::ExpectedByteString => {
            must("text in double quotes")
        }
        RonError::ExpectedStringEnd => prefix(format!(
            "the text at {found_q} is not closed: a `\"` is missing"
        )),
        RonError::ExpectedDifferentStructName { .. } => {
            let next = at.and_then(|t| {
                Lexer {
                    src: text,
                    pos: t.end,
                }
                .next()
            });
            match next {
                Some(n) if n.is(':') => prefix(format!("a `(` is missing before {found_q}")),
                _ => must("settings in parentheses `( ... )`"),
            }
        }
        RonError::ExpectedArray => must("a list in `[ ]`"),
        RonError::ExpectedMap => must("a map in `{ }`"),
        RonError::ExpectedStructLike
        | RonError::ExpectedNamedStructLike(_)
        | RonError::ExpectedUnit => {
            // A value where a group of fields, or a field where a value, was expected.
            if place.prev.is_some_and(|p| p.is('(') || p.is(','))
                && place.top().open == '('
                && !path.is_empty()
                && place.top().key.is_none()
            {
                prefix(format!("expected a field name, found {found_q}"))
            } else {
                let fields = at.and_then(|t| struct_fields(text, t, true, parse));
                match fields {
                    Some(fields) => must(&format!(
                        "settings in parentheses, e.g. `({}: ...)` (fields: {})",
                        fields.first().copied().unwrap_or("..."),
                        fields.join(", ")
                    )),
                    None if at.is_some_and(|t| t.is('[')) => {
                        must("values in parentheses `( )`, not brackets")
                    }
                    None => must("a group in parentheses `( )`"),
                }
            }
        }
        RonError::ExpectedIdentifier
        | RonError::SuggestRawIdentifier(_)
        | RonError::InvalidIdentifier(_) => {
            let key_position = place.prev.is_some_and(|p| p.is('(') || p.is(','))
                && place.top().open == '('
                && place.top().key.is_none();
            if key_position {
                let fields = at.and_then(|t| struct_fields(text, t, false, parse));
                match fields {
                    Some(fields) => about_struct(
                        place,
                        &subject,
                        subject_frame,
                        &path,
                        &format!(
                            "takes named fields: expected a field name such as `{}: ...`, found {found_q} (fields: {})",
                            fields.first().copied().unwrap_or("..."),
                            fields.join(", ")
                        ),
                    ),
                    None => prefix(format!("expected a field name, found {found_q}")),
                }
            } else {
                // `LogNormal0.5`: the parser read the name with the number as one word
                let probe_at = match (code, at) {
                    (RonError::SuggestRawIdentifier(word), Some(t))
                        if text[t.start..].starts_with(word.as_str()) =>
                    {
                        Some(Tok {
                            end: t.start + word.len(),
                            ..t
                        })
                    }
                    _ => at,
                };
                let found_q =
                    probe_at.map_or(found_q.clone(), |t| format!("`{}`", short(t.text(text))));
                let expected = match probe_at.and_then(|t| enum_variants(text, t, parse)) {
                    Some((variants, name)) => enum_expectation(&name, variants),
                    None => "a name".to_owned(),
                };
                prefix(format!(
                    "{} must be {expected}, found {found_q}",
                    field(&path)
                ))
            }
        }
        RonError::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let name = outer.as_deref().unwrap_or_default();
            let found = short(found);
            let hint = did_you_mean(&found, expected);
            match enum_word(name) {
                Some(word) => prefix(format!(
                    "unknown {word} `{found}`{hint}; use one of {}",
                    expected.join(", ")
                )),
                None => prefix(format!(
                    "{} must be {}, found `{found}`{hint}",
                    field(&path),
                    one_of(expected)
                )),
            }
        }
        RonError::NoSuchStructField {
            expected, found, ..
        } => {
            let found = short(found);
            about_struct(
                place,
                &subject,
                subject_frame,
                &path,
                &format!(
                    "has no field `{found}`{}; its fields are {}",
                    did_you_mean(&found, expected),
                    expected.join(", ")
                ),
            )
        }
        RonError::MissingStructField { field: missing, .. } => about_struct(
            place,
            &subject,
            subject_frame,
            &path,
            &format!("needs `{missing}`"),
        ),
        RonError::DuplicateStructField { field: dup, .. } => {
            prefix(format!("`{dup}` is given twice"))
        }
        RonError::ExpectedDifferentLength { expected, found } => prefix(format!(
            "{} must be {expected}, found {found} element{}",
            field(&path),
            if *found == 1 { "" } else { "s" }
        )),
        RonError::InvalidValueForType { expected, found } => prefix(format!(
            "{} must be {}, found {}",
            field(&path),
            expected_words(expected),
            printable(found)
        )),
        RonError::ExpectedArrayEnd
        | RonError::ExpectedStructLikeEnd
        | RonError::ExpectedMapEnd
        | RonError::ExpectedOptionEnd => match at {
            Some(t) => return (mismatched(text, place, t, &prefix), Some(t.start)),
            None => plain(code),
        },
        RonError::ExpectedMapColon => {
            let key = place.prev.map(|p| short(p.text(text))).unwrap_or_default();
            prefix(format!("a `:` is missing after `{key}`, found {found_q}"))
        }
        RonError::TrailingCharacters => {
            format!("there is more after the end of the design: {found_q}")
        }
        RonError::UnexpectedChar(c) => {
            let c = printable(&c.to_string()).into_owned();
            if path.is_empty() {
                prefix(format!("unexpected character `{c}`"))
            } else {
                prefix(format!(
                    "{} has an unexpected character `{c}`",
                    field(&path)
                ))
            }
        }
        RonError::ExceededRecursionLimit => {
            format!("brackets are nested more than {RON_NESTING_LIMIT} deep at {found_q}")
        }
        RonError::UnclosedBlockComment => {
            "a `/*` comment is never closed: a `*/` is missing".to_owned()
        }
        RonError::Message(m) => {
            if path.is_empty() {
                prefix(printable(m).into_owned())
            } else {
                prefix(format!("{}: {}", field(&path), printable(m)))
            }
        }
        RonError::Eof => prefix(format!("the file ends early at {found_q}")),
        other => {
            let m = lowercase_first(&other.to_string());
            if path.is_empty() {
                prefix(format!("{} at {found_q}", printable(&m)))
            } else {
                prefix(format!("{}: {} at {found_q}", field(&path), printable(&m)))
            }
        }
    };
    (message, at_offset)
}

/// A message for a code with no better words (a case the checks above rule out).
fn plain(code: &RonError) -> String {
    lowercase_first(&code.to_string())
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A closing bracket that does not match the innermost open one (or a value where one
/// was expected).
fn mismatched(text: &str, place: &Place, t: Tok, prefix: &dyn Fn(String) -> String) -> String {
    let top = place.top();
    let found = short(t.text(text));
    if top.open == '\0' {
        return prefix(format!("unexpected `{found}`"));
    }
    let (line, column) = line_col(text, top.at);
    let want = closer(top.open);
    prefix(format!(
        "expected `{want}` to close the `{}` at line {line}, column {column}, found `{found}`",
        top.open
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{FileError, from_ron_str};

    /// The message, line and column of the error parsing `text`.
    fn error(text: &str) -> (String, usize, usize) {
        match from_ron_str(text) {
            Err(FileError::Parse {
                message,
                line,
                column,
                ..
            }) => (message, line, column),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn float_for_integer() {
        assert_eq!(
            error(
                "(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(servers: 2.5)),\n    ],\n)\n"
            ),
            (
                "component `a`: `servers` must be a whole number from 0 to 4294967295, found `2.5`"
                    .to_owned(),
                4,
                42
            )
        );
    }

    #[test]
    fn exponent_for_integer() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Producer(max_events: 1e6)),\n    ],\n)\n"),
            ("component `a`: `max_events` must be a whole number from 0 to 18446744073709551615, found `1e6`".to_owned(), 4, 46)
        );
    }

    #[test]
    fn number_for_distribution() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(servers: 2, service_ms: 10.0)),\n    ],\n)\n"),
            ("component `a`: `service_ms` must be a distribution such as `Constant(10.0)` or `Exponential(mean: 10.0)`, found `10.0`".to_owned(), 4, 57)
        );
    }

    #[test]
    fn number_for_arrivals() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Producer(arrivals: 5)),\n    ],\n)\n"),
            ("component `a`: `arrivals` must be an arrival process such as `Poisson(rate_per_s: 10.0)` or `Constant(rate_per_s: 10.0)`, found `5`".to_owned(), 4, 44)
        );
    }

    #[test]
    fn number_for_struct() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(retry: 3)),\n    ],\n)\n"),
            ("component `a`: `retry` must be settings in parentheses, e.g. `(max_attempts: ...)` (fields: max_attempts, backoff_ms, multiplier, max_backoff_ms, jitter), found `3`".to_owned(), 4, 40)
        );
    }

    #[test]
    fn positional_value_in_struct_variant() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(service_ms: Exponential(10.0))),\n    ],\n)\n"),
            ("component `a`: `Exponential` takes named fields: expected a field name such as `mean: ...`, found `10.0` (fields: mean)".to_owned(), 4, 57)
        );
    }

    #[test]
    fn string_for_integer() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(servers: \"2\")),\n    ],\n)\n"),
            ("component `a`: `servers` must be a whole number from 0 to 4294967295, found `\"2\"`".to_owned(), 4, 42)
        );
    }

    #[test]
    fn string_for_float() {
        assert_eq!(
            error(
                "(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(fail_prob: \"high\")),\n    ],\n)\n"
            ),
            (
                "component `a`: `fail_prob` must be a number, found `\"high\"`".to_owned(),
                4,
                44
            )
        );
    }

    #[test]
    fn string_for_nested_float() {
        assert_eq!(
            error(
                "(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(service_ms: Exponential(mean: \"x\"))),\n    ],\n)\n"
            ),
            (
                "component `a`: `service_ms.mean` must be a number, found `\"x\"`".to_owned(),
                4,
                63
            )
        );
    }

    #[test]
    fn number_for_string() {
        assert_eq!(
            error("(\n    components: [\n        (id: 5, kind: Sink()),\n    ],\n)\n"),
            (
                "component #1: `id` must be text in double quotes, found `5`".to_owned(),
                3,
                14
            )
        );
    }

    #[test]
    fn negative_for_unsigned() {
        assert_eq!(
            error(
                "(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(servers: -1)),\n    ],\n)\n"
            ),
            (
                "component `a`: `servers` must be a whole number from 0 to 4294967295, found `-1`"
                    .to_owned(),
                4,
                42
            )
        );
    }

    #[test]
    fn too_large_for_u32() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(retry: (max_attempts: 99999999999999999999999))),\n    ],\n)\n"),
            ("component `a`: `retry.max_attempts` must be a whole number from 0 to 4294967295, found `99999999999999999999999`".to_owned(), 4, 55)
        );
    }

    #[test]
    fn too_large_for_u64() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(queue_capacity: 18446744073709551616)),\n    ],\n)\n"),
            ("component `a`: `queue_capacity` must be a whole number from 0 to 18446744073709551615, found `18446744073709551616`".to_owned(), 4, 49)
        );
    }

    #[test]
    fn unknown_field() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(servrs: 2)),\n    ],\n)\n"),
            ("component `a`: `Station` has no field `servrs` (did you mean `servers`?); its fields are servers, service_ms, queue_capacity, max_age, throttle, fail_prob, timeout, retry, routing".to_owned(), 4, 33)
        );
    }

    #[test]
    fn unknown_top_level_field() {
        assert_eq!(
            error("(\n    naem: \"x\",\n)\n"),
            ("the design has no field `naem` (did you mean `name`?); its fields are version, name, description, scenario, event_types, components, connections, account, cost, layout".to_owned(), 2, 5)
        );
    }

    #[test]
    fn unknown_unit_variant() {
        assert_eq!(
            error("(\n    name: \"t\",\n    components: [\n        (id: \"a\", kind: Station(routing: Fanout)),\n    ],\n)\n"),
            ("component `a`: `routing` must be `FanOut` or `Split`, found `Fanout` (did you mean `FanOut`?)".to_owned(), 4, 42)
        );
    }

    #[test]
    fn missing_comma() {
        assert_eq!(
            error("(\n    components: [\n        (id: \"a\" kind: Sink()),\n    ],\n)\n"),
            (
                "component `a`: a `,` is missing after `\"a\"` before `kind`".to_owned(),
                3,
                18
            )
        );
    }

    #[test]
    fn wrong_closing_bracket() {
        assert_eq!(
            error("(\n    components: [\n        (id: \"a\", kind: Sink()),\n    ),\n)\n"),
            (
                "expected `]` to close the `[` at line 2, column 17, found `)`".to_owned(),
                4,
                5
            )
        );
    }

    #[test]
    fn missing_field() {
        assert_eq!(
            error("(\n    components: [\n        (kind: Sink()),\n    ],\n)\n"),
            ("component #1 needs `id`".to_owned(), 3, 22)
        );
    }

    #[test]
    fn connection_field() {
        assert_eq!(
            error(
                "(\n    connections: [\n        (from: \"a\", to: \"b\", weight: \"x\"),\n    ],\n)\n"
            ),
            (
                "connection `a -> b`: `weight` must be a number, found `\"x\"`".to_owned(),
                3,
                38
            )
        );
    }

    #[test]
    fn duration_text() {
        assert_eq!(
            error("(\n    scenario: (duration: \"10x\"),\n)\n"),
            (
                "scenario: `duration`: unknown unit `x` in `10x`: use ns, us, ms, s, m, h or d"
                    .to_owned(),
                2,
                26
            )
        );
    }

    #[test]
    fn trailing_text() {
        assert_eq!(
            error("(\n    name: \"x\",\n)\njunk\n"),
            (
                "there is more after the end of the design: `junk`".to_owned(),
                4,
                1
            )
        );
    }

    #[test]
    fn unclosed_string() {
        assert_eq!(
            error("(\n    name: \"x,\n)\n"),
            (
                "a `\"` is missing: the text that starts here is never closed".to_owned(),
                2,
                11
            )
        );
    }

    #[test]
    fn huge_duration_numbers_are_not_spelled_out() {
        assert_eq!(
            error("(\n    scenario: (warmup: 1e308),\n)\n"),
            (
                "scenario: `warmup`: duration `1e308` is longer than 100 years".to_owned(),
                2,
                24
            )
        );
    }

    #[test]
    fn unknown_kinds_are_listed() {
        let (message, line, column) =
            error("(\n    components: [\n        (id: \"a\", kind: Teleporter()),\n    ],\n)\n");
        assert_eq!((line, column), (3, 25));
        assert!(
            message.starts_with(
                "component `a`: unknown component kind `Teleporter`; use one of Producer, Station, Sink,"
            ),
            "{message}"
        );
        assert!(message.ends_with("LogGroup, Analytics"), "{message}");
    }

    #[test]
    fn truncated_files_say_what_is_missing() {
        let text = "(\n    name: \"x\",\n    components: [(id: \"a\", kind: Sink())]\n";
        assert_eq!(
            error(text),
            (
                "the file ends early; a `)` is missing (for the `(` at line 1, column 1)"
                    .to_owned(),
                4,
                1
            )
        );
        let text = "(\n    components: [\n        (id: \"a\", kind: Station(servers: 2, ";
        assert_eq!(
            error(text),
            (
                "component `a`: the file ends early; `))])` are missing (the innermost for the `(` at line 3, column 32)"
                    .to_owned(),
                3,
                45
            )
        );
        assert_eq!(
            error(""),
            (
                "the file is empty: a design is written `( ... )`".to_owned(),
                1,
                1
            )
        );
        let (message, ..) = error("(name: \"x\") /* open");
        assert!(message.starts_with("a `*/` is missing"), "{message}");
    }

    #[test]
    fn control_characters_are_escaped() {
        let (message, ..) = error("(\u{1b}]0;owned\u{7}: 1)");
        assert!(
            !message.contains('\u{1b}') && !message.contains('\u{7}'),
            "{message}"
        );
        assert!(message.contains("\\u{1b}"), "{message}");
        let (message, ..) = error("(name: 5, description: \"\u{1b}[31m\")");
        assert!(!message.contains('\u{1b}'), "{message}");
    }

    #[test]
    fn lexer_finds_tokens_in_strings_and_comments() {
        use super::{Kind, Lexer};
        let text = "// c\n(a: r#\"x\"y\"#, /* n /* m */ */ b: -1.5e-3, c: 'x', d: \"q\\\"\")";
        let kinds: Vec<Kind> = Lexer::new(text).map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Punct('('),
                Kind::Ident,
                Kind::Punct(':'),
                Kind::Str,
                Kind::Punct(','),
                Kind::Ident,
                Kind::Punct(':'),
                Kind::Number,
                Kind::Punct(','),
                Kind::Ident,
                Kind::Punct(':'),
                Kind::Char,
                Kind::Punct(','),
                Kind::Ident,
                Kind::Punct(':'),
                Kind::Str,
                Kind::Punct(')'),
            ]
        );
    }

    #[test]
    fn every_cut_of_the_examples_is_explained_inside_the_text() {
        let examples = [
            include_str!("../../examples/bench-pipeline.ron"),
            include_str!("../../examples/inventory.ron"),
            include_str!("../../examples/kinesis-pipeline.ron"),
            include_str!("../../examples/order-fanout.ron"),
        ];
        for text in examples {
            let cuts = (0..text.len())
                .step_by(7)
                .filter(|&i| text.is_char_boundary(i));
            for cut in cuts {
                let part = &text[..cut];
                let Err(e) = from_ron_str(part) else { continue };
                let message = e.to_string();
                assert!(!message.is_empty());
                if let FileError::Parse { line, column, .. } = e {
                    let lines = part.split('\n').count();
                    assert!(line >= 1 && line <= lines, "{message}");
                    let width = part
                        .split('\n')
                        .nth(line - 1)
                        .map_or(0, |l| l.chars().count());
                    assert!(column >= 1 && column <= width + 1, "{message}");
                }
            }
        }
    }

    #[test]
    fn huge_texts_are_explained_without_probes() {
        let text = format!(
            "(\n    description: \"{}\",\n    components: [(id: \"a\", kind: Station(servers: 2.5))],\n)\n",
            "x".repeat(super::PROBE_LIMIT_BYTES)
        );
        assert_eq!(
            error(&text),
            (
                "component `a`: `servers` must be a whole number, found `2.5`".to_owned(),
                3,
                51
            )
        );
    }
}
