//! Human-readable durations for the document (`"250ms"`, `"10m"`, `"1h30m"`).
//!
//! Stored as whole nanoseconds, the engine's time unit. In a file a duration is a
//! string of `<number><unit>` parts (units `ns`, `us`, `ms`, `s`, `m`, `h`, `d`; the
//! number may have a fraction, e.g. `"1.5s"`) or a bare number meaning seconds. It is
//! always saved in the canonical form produced by [`Duration`]'s `Display`, so a file
//! that is loaded and saved again does not change.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Nanoseconds in a second.
pub const NS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds in a millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

/// The longest duration a document may hold: 100 years, far beyond any sensible
/// simulation and far below `u64::MAX` nanoseconds (584 years).
pub const MAX_DURATION_NS: u64 = 100 * 365 * 86_400 * NS_PER_S;

/// A non-negative span of simulated time with nanosecond resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    /// Length in nanoseconds.
    pub ns: u64,
}

impl Duration {
    /// Zero length.
    pub const ZERO: Duration = Duration { ns: 0 };

    /// A duration of `ns` nanoseconds.
    #[must_use]
    pub const fn from_ns(ns: u64) -> Self {
        Duration { ns }
    }

    /// A duration of whole milliseconds.
    #[must_use]
    pub const fn from_ms(ms: u64) -> Self {
        Duration { ns: ms * NS_PER_MS }
    }

    /// A duration of whole seconds.
    #[must_use]
    pub const fn from_secs(s: u64) -> Self {
        Duration { ns: s * NS_PER_S }
    }

    /// A duration from fractional seconds; `None` when negative, not finite or longer than
    /// [`MAX_DURATION_NS`].
    #[must_use]
    pub fn from_secs_f64(s: f64) -> Option<Self> {
        let ns = s * NS_PER_S as f64;
        if !ns.is_finite() || ns < 0.0 || ns > MAX_DURATION_NS as f64 {
            return None;
        }
        Some(Duration {
            ns: ns.round() as u64,
        })
    }

    /// Length in seconds.
    #[must_use]
    pub fn as_secs_f64(self) -> f64 {
        self.ns as f64 / NS_PER_S as f64
    }

    /// Length in milliseconds.
    #[must_use]
    pub fn as_ms_f64(self) -> f64 {
        self.ns as f64 / NS_PER_MS as f64
    }
}

/// Why a duration was refused. Texts and numbers from the file are shown shortened and
/// with control characters escaped, and huge numbers in e-notation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing to parse.
    #[error("empty duration: write e.g. 250ms, 10s or 1h30m")]
    Empty,
    /// A part had no number, or the number did not parse.
    #[error("`{}` is not a duration: write e.g. 250ms, 10s or 1h30m", shown(.0))]
    BadNumber(String),
    /// A unit other than ns, us, ms, s, m, h, d.
    #[error(
        "unknown unit `{}` in `{}`: use ns, us, ms, s, m, h or d",
        shown(unit),
        shown(text)
    )]
    BadUnit {
        /// The unit as written.
        unit: String,
        /// The whole text.
        text: String,
    },
    /// A number after the first part with no unit, as `30` in `1h30`.
    #[error("`{n}` in `{}` has no unit: write {n}ms, {n}s, {n}m, {n}h or {n}d", shown(text), n = shown(number))]
    NoUnit {
        /// The number as written.
        number: String,
        /// The whole text.
        text: String,
    },
    /// Less than zero.
    #[error("duration `{}` is negative", shown(.0))]
    Negative(String),
    /// NaN or infinite.
    #[error("duration `{}` is not a finite number", shown(.0))]
    NotFinite(String),
    /// Longer than [`MAX_DURATION_NS`] (100 years).
    #[error("duration `{}` is longer than 100 years", shown(.0))]
    TooLong(String),
}

/// Text from a file for a message: at most 40 characters, control characters escaped.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    super::text::printable(&out).into_owned()
}

/// A number for a message: e-notation when it is huge or tiny (`1e308`, not 309 digits).
fn number_text(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// `secs` seconds as a duration, or why not (`shown` is how the value was written).
fn checked_secs(secs: f64, shown: &str) -> Result<Duration, DurationError> {
    // `inf` is not finite; `1e400` overflows to infinity too, but is a long duration
    let spelled_infinite = secs.is_infinite() && shown.contains(['i', 'I']);
    if secs.is_nan() || spelled_infinite {
        return Err(DurationError::NotFinite(shown.to_owned()));
    }
    if secs < 0.0 {
        return Err(DurationError::Negative(shown.to_owned()));
    }
    Duration::from_secs_f64(secs).ok_or_else(|| DurationError::TooLong(shown.to_owned()))
}

const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("m", 60 * NS_PER_S),
    ("h", 3_600 * NS_PER_S),
    ("d", 86_400 * NS_PER_S),
];

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        if s.is_empty() {
            return Err(DurationError::Empty);
        }
        // A bare number means seconds.
        if let Ok(secs) = s.parse::<f64>() {
            return checked_secs(secs, s);
        }
        let mut total = 0f64;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (num, after) = rest.split_at(num_len);
            if num.is_empty() {
                if after.starts_with('-') {
                    return Err(DurationError::Negative(s.to_owned()));
                }
                return Err(DurationError::BadNumber(s.to_owned()));
            }
            let value: f64 = num
                .parse()
                .map_err(|_| DurationError::BadNumber(s.to_owned()))?;
            // `10 s` is `10s`
            let after = after.trim_start();
            let unit_len = after
                .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
                .unwrap_or(after.len());
            let (unit, tail) = after.split_at(unit_len);
            if unit.is_empty() {
                return Err(DurationError::NoUnit {
                    number: num.to_owned(),
                    text: s.to_owned(),
                });
            }
            let scale = UNITS
                .iter()
                .find(|(u, _)| *u == unit)
                .map(|(_, ns)| *ns)
                .ok_or_else(|| DurationError::BadUnit {
                    unit: unit.to_owned(),
                    text: s.to_owned(),
                })?;
            total += value * scale as f64;
            rest = tail.trim_start();
        }
        if !total.is_finite() || total > MAX_DURATION_NS as f64 {
            return Err(DurationError::TooLong(s.to_owned()));
        }
        Ok(Duration {
            ns: total.round() as u64,
        })
    }
}

impl fmt::Display for Duration {
    /// Canonical form: largest units first, e.g. `1h30m`, `2s500ms`, `0s`; days only
    /// for whole days (`14d`), so `400h` stays `400h` rather than `16d16h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAY: u64 = 86_400 * NS_PER_S;
        if self.ns == 0 {
            return f.write_str("0s");
        }
        if self.ns.is_multiple_of(DAY) {
            return write!(f, "{}d", self.ns / DAY);
        }
        let mut rest = self.ns;
        for (unit, scale) in [
            ("h", 3_600 * NS_PER_S),
            ("m", 60 * NS_PER_S),
            ("s", NS_PER_S),
            ("ms", NS_PER_MS),
            ("us", 1_000),
            ("ns", 1),
        ] {
            let n = rest / scale;
            if n > 0 {
                write!(f, "{n}{unit}")?;
                rest -= n * scale;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration such as \"250ms\", \"10m\", \"1h30m\" or a number of seconds",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                checked_secs(v, &number_text(v)).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                checked_secs(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                checked_secs(v as f64, &v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_only_when_whole() {
        let d = |s: &str| s.parse::<Duration>().map(|d| d.to_string()).ok();
        assert_eq!(d("400h").as_deref(), Some("400h"));
        assert_eq!(d("14d").as_deref(), Some("14d"));
        assert_eq!(d("1d12h").as_deref(), Some("36h"));
        assert_eq!(d("1h30m").as_deref(), Some("1h30m"));
    }

    #[test]
    fn parses_human_forms() {
        assert_eq!("250ms".parse::<Duration>().unwrap(), Duration::from_ms(250));
        assert_eq!("10m".parse::<Duration>().unwrap(), Duration::from_secs(600));
        assert_eq!(
            "1h30m".parse::<Duration>().unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!("1.5s".parse::<Duration>().unwrap(), Duration::from_ms(1500));
        assert_eq!("90".parse::<Duration>().unwrap(), Duration::from_secs(90));
        assert_eq!(
            "2d".parse::<Duration>().unwrap(),
            Duration::from_secs(172_800)
        );
        assert_eq!("3us".parse::<Duration>().unwrap(), Duration::from_ns(3000));
    }

    fn refusal(text: &str) -> String {
        text.parse::<Duration>().unwrap_err().to_string()
    }

    #[test]
    fn refuses_bad_forms() {
        assert_eq!("".parse::<Duration>(), Err(DurationError::Empty));
        assert_eq!(
            refusal("  "),
            "empty duration: write e.g. 250ms, 10s or 1h30m"
        );
        assert_eq!(
            refusal("5 parsecs"),
            "unknown unit `parsecs` in `5 parsecs`: use ns, us, ms, s, m, h or d"
        );
        assert_eq!(
            refusal("ms"),
            "`ms` is not a duration: write e.g. 250ms, 10s or 1h30m"
        );
        assert_eq!(
            refusal("1.2.3s"),
            "`1.2.3s` is not a duration: write e.g. 250ms, 10s or 1h30m"
        );
    }

    #[test]
    fn a_number_without_a_unit_is_named() {
        assert_eq!(
            refusal("1h30"),
            "`30` in `1h30` has no unit: write 30ms, 30s, 30m, 30h or 30d"
        );
        assert_eq!(
            refusal("2m 10"),
            "`10` in `2m 10` has no unit: write 10ms, 10s, 10m, 10h or 10d"
        );
        // a bare number is seconds, and a space before the unit is fine
        assert_eq!("10".parse::<Duration>().unwrap(), Duration::from_secs(10));
        assert_eq!("10 s".parse::<Duration>().unwrap(), Duration::from_secs(10));
    }

    #[test]
    fn negative_not_finite_and_too_long_are_told_apart() {
        assert_eq!(refusal("-5s"), "duration `-5s` is negative");
        assert_eq!(refusal("-5"), "duration `-5` is negative");
        assert_eq!(refusal("NaN"), "duration `NaN` is not a finite number");
        assert_eq!(refusal("inf"), "duration `inf` is not a finite number");
        assert_eq!(
            refusal("1000000d"),
            "duration `1000000d` is longer than 100 years"
        );
        assert_eq!(
            refusal("1e308"),
            "duration `1e308` is longer than 100 years"
        );
        // 400 digits of days: not echoed in full
        let long = format!("{}d", "9".repeat(400));
        let m = refusal(&long);
        assert_eq!(
            m,
            format!("duration `{}…` is longer than 100 years", "9".repeat(40))
        );
        // just under and over the limit
        assert!("36500d".parse::<Duration>().is_ok());
        assert!("36501d".parse::<Duration>().is_err());
    }

    #[test]
    fn numbers_in_files_are_shown_short() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, F64Deserializer, I64Deserializer};
        let e = Duration::deserialize::<F64Deserializer<Error>>(1e308.into_deserializer())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "duration `1e308` is longer than 100 years");
        let e = Duration::deserialize::<F64Deserializer<Error>>(f64::NAN.into_deserializer())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "duration `NaN` is not a finite number");
        let e = Duration::deserialize::<F64Deserializer<Error>>(f64::INFINITY.into_deserializer())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "duration `inf` is not a finite number");
        let e = Duration::deserialize::<I64Deserializer<Error>>((-3i64).into_deserializer())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "duration `-3` is negative");
        let e = "\u{1b}[2Jx".parse::<Duration>().unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        for ns in [
            0,
            1,
            999,
            1_000,
            250 * NS_PER_MS,
            5_400 * NS_PER_S,
            90_061_001_000_001,
        ] {
            let d = Duration::from_ns(ns);
            let text = d.to_string();
            assert_eq!(text.parse::<Duration>().unwrap(), d, "{text}");
        }
        assert_eq!(Duration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(Duration::from_ms(2500).to_string(), "2s500ms");
    }
}
