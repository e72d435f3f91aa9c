//! How numbers are written for people: one function per unit, used by every layer that
//! shows numbers (diagram labels, tables, insight sentences, exports, the editor), so the
//! same quantity reads the same everywhere. It depends on nothing but the model's
//! [`Duration`], so any layer may use it.

use crate::model::Duration;

/// A number in a label or a sentence, without needless decimals: `100`, `0.4`, `2.25`
/// (`?` when not finite).
#[must_use]
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "?".to_owned();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let s = if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    };
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A measured value in a table cell, with about four significant digits and the
/// decimals kept so a column lines up: `0.123`, `12.35`, `123.5`, `12346`.
#[must_use]
pub fn figure(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A count, or a mean count (one decimal) over replications: `3`, `3.2`.
#[must_use]
pub fn count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A rate per second in a sentence: `150`, `12.5`, `0.25`.
#[must_use]
pub fn rate(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A value on a live badge, short with a k or M suffix: `0.5`, `42`, `1.2k`, `15k`, `2.0M`.
#[must_use]
pub fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A dollar amount: whole dollars from $100, cents from a cent, and four significant
/// digits below: `$1234`, `$12.50`, `$0.001234`, `$0`.
#[must_use]
pub fn usd(x: f64) -> String {
    if x == 0.0 {
        "$0".to_owned()
    } else if x.abs() >= 100.0 {
        format!("${x:.0}")
    } else if x.abs() >= 0.01 {
        format!("${x:.2}")
    } else {
        // small amounts keep four significant digits
        let digits = (3 - x.abs().log10().floor() as i32).clamp(2, 12) as usize;
        format!("${x:.digits$}")
    }
}

/// A duration for people: `30 s`, `5 min`, `14 d`, `250 ms`.
#[must_use]
pub fn human_duration(d: Duration) -> String {
    const S: u64 = 1_000_000_000;
    let ns = d.ns;
    if ns == 0 {
        "0 s".to_owned()
    } else if ns.is_multiple_of(86_400 * S) {
        format!("{} d", ns / (86_400 * S))
    } else if ns.is_multiple_of(3600 * S) {
        format!("{} h", ns / (3600 * S))
    } else if ns.is_multiple_of(60 * S) && ns >= 60 * S {
        format!("{} min", ns / (60 * S))
    } else if ns >= S {
        format!("{} s", num(d.as_secs_f64()))
    } else {
        format!("{} ms", num(d.as_ms_f64()))
    }
}

/// A measured span of time for people (an age, a wait, a latency in a sentence), in one
/// format everywhere: `250 ms`, `3.2 s`, `57 s`, `1 min 24 s`, `26 min`, `1 h 54 min`,
/// `2 d 3 h`.
/// Two units at most, so a sentence never reads `6839.5 s`.
#[must_use]
pub fn elapsed(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "?".to_owned();
    }
    if s < 1.0 {
        let ms = s * 1000.0;
        return if ms < 10.0 {
            format!("{} ms", num((ms * 10.0).round() / 10.0))
        } else {
            format!("{ms:.0} ms")
        };
    }
    if s < 10.0 {
        return format!("{s:.1} s");
    }
    let whole = s.round() as u64;
    if whole < 60 {
        return format!("{whole} s");
    }
    if whole < 600 {
        // under ten minutes the seconds still matter: 84 s is not "1 min"
        return match whole % 60 {
            0 => format!("{} min", whole / 60),
            r => format!("{} min {r} s", whole / 60),
        };
    }
    let min = (s / 60.0).round() as u64;
    if min < 60 {
        return format!("{min} min");
    }
    if min < 24 * 60 {
        return match min % 60 {
            0 => format!("{} h", min / 60),
            m => format!("{} h {m} min", min / 60),
        };
    }
    let h = (s / 3600.0).round() as u64;
    match h % 24 {
        0 => format!("{} d", h / 24),
        r => format!("{} d {r} h", h / 24),
    }
}

/// A count with its noun, singular for one: `1 error`, `3 errors`, `0 errors`.
#[must_use]
pub fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A time of the run on a clock: `mm:ss`, or `h:mm:ss` from an hour on.
#[must_use]
pub fn clock(t_s: f64) -> String {
    let t = t_s.max(0.0).round() as u64;
    if t >= 3600 {
        format!("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60)
    } else {
        format!("{:02}:{:02}", t / 60, t % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_time_read_in_at_most_two_units() {
        assert_eq!(elapsed(0.25), "250 ms");
        assert_eq!(elapsed(0.0042), "4.2 ms");
        assert_eq!(elapsed(3.24), "3.2 s");
        assert_eq!(elapsed(57.2), "57 s");
        assert_eq!(elapsed(59.6), "1 min");
        assert_eq!(elapsed(84.4), "1 min 24 s");
        assert_eq!(elapsed(270.0), "4 min 30 s");
        assert_eq!(elapsed(1571.9), "26 min");
        assert_eq!(elapsed(6839.5), "1 h 54 min");
        assert_eq!(elapsed(7200.0), "2 h");
        assert_eq!(elapsed(3.0 * 86_400.0 + 4.0 * 3600.0), "3 d 4 h");
        assert_eq!(elapsed(f64::NAN), "?");
    }

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(counted(1, "error", "errors"), "1 error");
        assert_eq!(counted(0, "error", "errors"), "0 errors");
        assert_eq!(counted(12, "component", "components"), "12 components");
    }

    #[test]
    fn labels_drop_needless_decimals() {
        assert_eq!(num(100.0), "100");
        assert_eq!(num(0.4), "0.4");
        assert_eq!(num(2.25), "2.25");
        assert_eq!(num(f64::NAN), "?");
    }

    #[test]
    fn table_figures_keep_about_four_digits() {
        assert_eq!(figure(0.0), "0");
        assert_eq!(figure(0.12345), "0.123");
        assert_eq!(figure(12.345), "12.35");
        assert_eq!(figure(123.45), "123.5");
        assert_eq!(figure(12345.6), "12346");
        assert_eq!(count(3.0), "3");
        assert_eq!(count(3.25), "3.2");
        assert_eq!(rate(150.4), "150");
        assert_eq!(rate(12.34), "12.3");
        assert_eq!(si(15_400.0), "15k");
        assert_eq!(si(1_540.0), "1.5k");
        assert_eq!(si(2_000_000.0), "2.0M");
    }

    #[test]
    fn dollars_keep_four_digits_when_small() {
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(1234.5), "$1234");
        assert_eq!(usd(12.5), "$12.50");
        assert_eq!(usd(0.001234), "$0.001234");
        assert_eq!(usd(0.000_000_5), "$0.0000005000");
    }

    #[test]
    fn durations_and_clocks_read_well() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_secs(300)), "5 min");
        assert_eq!(human_duration(Duration::from_secs(14 * 86_400)), "14 d");
        assert_eq!(human_duration(Duration::from_ns(250_000_000)), "250 ms");
        assert_eq!(clock(42.0), "00:42");
        assert_eq!(clock(125.0), "02:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
