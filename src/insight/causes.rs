//! Two causes read from a run's numbers, written once for every reader of results (the
//! editor's insight, the Markdown findings): dead letters collected by a dead-letter
//! store, and a latency percentile made of messages that waited out an SQS visibility
//! timeout.
//!
//! Both read a [`Report`] of either count type (a single run's `u64`, or the means of
//! combined replications as [`Count`]).

use std::collections::BTreeSet;

use crate::model::{Component, ComponentKind, Document, Kind, LinkKind};
use crate::sim::{Count, Report};
use crate::units::{counted, elapsed, num};

/// A count of a report, as a number (a single run's `u64` or a mean [`Count`]).
pub trait Tallied: Copy {
    /// The count as a real number.
    fn n(self) -> f64;
}

impl Tallied for u64 {
    fn n(self) -> f64 {
        self as f64
    }
}

impl Tallied for Count {
    fn n(self) -> f64 {
        self.0
    }
}

/// A count with its noun, singular for one; a mean over replications keeps one decimal
/// (`381 dead letters`, `1 dead letter`, `2.4 dead letters`).
#[must_use]
pub fn counted_mean(x: f64, one: &str, many: &str) -> String {
    if x.fract() == 0.0 && x >= 0.0 {
        counted(x as u64, one, many)
    } else {
        format!("{} {many}", num((x * 10.0).round() / 10.0))
    }
}

/// `p` rounded to about two significant digits (at most six decimals).
fn two_digits(p: f64) -> f64 {
    if p == 0.0 || !p.is_finite() {
        return p;
    }
    let digits = (1 - p.abs().log10().floor() as i32).clamp(0, 6);
    let scale = 10f64.powi(digits);
    (p * scale).round() / scale
}

/// A share as a percentage with about two significant digits: `0.05`, `1.2`, `37`.
#[must_use]
pub fn percent(share: f64) -> String {
    num(two_digits(share * 100.0))
}

/// Whether `comp` is where dead letters are kept: a dead-letter queue, or a component
/// every incoming link of which is a dead-letter or on-failure link. Collecting them is
/// what it is for, so its depth is not a backlog.
#[must_use]
pub fn is_dead_letter_store(doc: &Document, comp: &Component) -> bool {
    if comp.kind.kind() == Kind::DeadLetterQueue {
        return true;
    }
    let mut incoming = doc
        .connections
        .iter()
        .filter(|c| c.to == comp.id)
        .peekable();
    incoming.peek().is_some() && incoming.all(|c| c.kind != LinkKind::Delivery)
}

/// One sentence about a component.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    /// The component it is about (display name).
    pub component: String,
    /// The components whose own sentence it replaces (the senders of dead letters).
    pub covers: Vec<String>,
    /// The sentence.
    pub text: String,
}

fn name_of<'a>(doc: &'a Document, id: &'a str) -> &'a str {
    doc.component(id).map_or(id, Component::display_name)
}

/// The dead letters each dead-letter store collected, where from, how long the oldest
/// has waited and whether anything consumes them:
/// `billing-dlq collected 381 dead letters from billing-q (0.05% of its messages); the
/// oldest has waited 1 h 54 min - nothing consumes it`.
#[must_use]
pub fn dead_letters<C: Tallied>(doc: &Document, report: &Report<C>) -> Vec<Cause> {
    let mut out = Vec::new();
    for comp in &doc.components {
        let name = comp.display_name();
        let Some(r) = report.components.get(name) else {
            continue;
        };
        let got = r.counters.arrivals.n();
        if got <= 0.0 || !is_dead_letter_store(doc, comp) {
            continue;
        }
        let mut senders = Vec::new();
        let mut seen = BTreeSet::new();
        for l in doc
            .connections
            .iter()
            .filter(|l| l.to == comp.id && l.kind != LinkKind::Delivery)
        {
            let from = name_of(doc, &l.from);
            let Some(s) = report.components.get(from) else {
                continue;
            };
            let dl = s.counters.dead_lettered.n();
            if dl <= 0.0 || !seen.insert(from.to_owned()) {
                continue;
            }
            let of = s.counters.arrivals.n();
            senders.push((from.to_owned(), dl, of));
        }
        let mut text = format!(
            "{name} collected {}",
            counted_mean(got, "dead letter", "dead letters")
        );
        match senders.as_slice() {
            [] => {}
            [(from, _, of)] => {
                text.push_str(&format!(" from {from}"));
                if *of > 0.0 {
                    text.push_str(&format!(" ({}% of its messages)", percent(got / of)));
                }
            }
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(from, dl, of)| {
                        if *of > 0.0 {
                            format!(
                                "{} from {from} ({}% of its messages)",
                                num(*dl),
                                percent(dl / of)
                            )
                        } else {
                            format!("{} from {from}", num(*dl))
                        }
                    })
                    .collect();
                text.push_str(&format!(": {}", parts.join(", ")));
            }
        }
        let oldest = r
            .series
            .gauges
            .get("oldest_age_s")
            .and_then(|a| a.iter().rev().find(|x| x.is_finite()).copied())
            .filter(|a| *a > 0.0);
        if let Some(a) = oldest {
            text.push_str(&format!("; the oldest has waited {}", elapsed(a)));
        }
        let consumers: Vec<&str> = doc
            .connections
            .iter()
            .filter(|l| l.from == comp.id && l.kind == LinkKind::Delivery)
            .map(|l| name_of(doc, &l.to))
            .collect();
        if consumers.is_empty() {
            text.push_str(" - nothing consumes it");
        } else {
            text.push_str(&format!(" - {} consumes it", consumers.join(", ")));
        }
        out.push(Cause {
            component: name.to_owned(),
            covers: senders.into_iter().map(|(s, _, _)| s).collect(),
            text,
        });
    }
    out
}

/// Whether a message can go from `from` to `to` along delivery links (ids).
fn reaches(doc: &Document, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::from([from]);
    let mut todo = vec![from];
    while let Some(at) = todo.pop() {
        if at == to {
            return true;
        }
        for l in doc
            .connections
            .iter()
            .filter(|l| l.from == at && l.kind == LinkKind::Delivery)
        {
            if seen.insert(l.to.as_str()) {
                todo.push(l.to.as_str());
            }
        }
    }
    false
}

/// The percentiles a latency summary holds, lowest first: (name, fraction, value ms).
fn percentiles(l: &crate::sim::LatencySummary<impl Tallied>) -> [(&'static str, f64, f64); 4] {
    [
        ("p50", 0.50, l.p50),
        ("p90", 0.90, l.p90),
        ("p99", 0.99, l.p99),
        ("p99.9", 0.999, l.p999),
    ]
}

/// Latency percentiles made of redeliveries. A message an SQS queue received again
/// waited out the queue's visibility timeout first, so when a share `f` of the queue's
/// delivered messages was received again (redeliveries of dead-lettered messages left
/// out: they never reach the end), every end-to-end percentile above `1 - f` of the
/// messages through that queue includes that wait (on a FIFO queue, later messages of
/// the group wait behind them too). For each queue with redeliveries,
/// the lowest percentile of an end-to-end pair through it that this explains (the share
/// is above its tail and its value is at least the timeout) is named with the cause:
/// `p99 end to end of 30.4 s (web -> out): 1.2% of q's delivered messages were received again
/// after its 30 s visibility timeout (consumer failures at f), so every percentile above
/// p98.8 includes that wait; ...`.
#[must_use]
pub fn redelivery_waits<C: Tallied>(doc: &Document, report: &Report<C>) -> Vec<Cause> {
    let mut out = Vec::new();
    let id_of = |name: &str| {
        doc.components
            .iter()
            .find(|c| c.display_name() == name)
            .map(|c| c.id.as_str())
    };
    for comp in &doc.components {
        let ComponentKind::SqsQueue(q) = &comp.kind else {
            continue;
        };
        let name = comp.display_name();
        let Some(r) = report.components.get(name) else {
            continue;
        };
        // a dead-lettered message was received `max_receive_count` times and never
        // reached the end: on a standard queue its redeliveries are not in the
        // end-to-end latencies; on a FIFO queue they hold back the rest of its group
        let (again, arrivals) = if q.fifo {
            (r.counters.retries.n(), r.counters.arrivals.n())
        } else {
            let dead = r.counters.dead_lettered.n();
            let receives = f64::from(q.max_receive_count.unwrap_or(1).saturating_sub(1));
            (
                r.counters.retries.n() - dead * receives,
                r.counters.arrivals.n() - dead,
            )
        };
        if again <= 0.0 || arrivals <= 0.0 {
            continue;
        }
        let share = (again / arrivals).min(1.0);
        let vt_s = q.visibility_timeout.as_secs_f64();
        // the lowest percentile explained, over the end-to-end pairs through the queue
        let mut best: Option<(usize, f64, &str, &str, &str)> = None;
        for e in &report.end_to_end {
            let (Some(from), Some(to)) = (id_of(&e.from), id_of(&e.to)) else {
                continue;
            };
            if !reaches(doc, from, &comp.id) || !reaches(doc, &comp.id, to) {
                continue;
            }
            let hit = percentiles(&e.latency_ms)
                .iter()
                .enumerate()
                .find(|(_, (_, p, v))| share > 1.0 - p && *v >= 0.95 * vt_s * 1000.0)
                .map(|(i, (label, _, v))| (i, *v, *label));
            if let Some((i, v, label)) = hit
                && best.is_none_or(|(bi, bv, ..)| i < bi || i == bi && v > bv)
            {
                best = Some((i, v, label, e.from.as_str(), e.to.as_str()));
            }
        }
        let Some((_, value_ms, label, from, to)) = best else {
            continue;
        };
        let mut why = Vec::new();
        let mut what = Vec::new();
        for l in doc
            .connections
            .iter()
            .filter(|l| l.from == comp.id && l.kind == LinkKind::Delivery)
        {
            let consumer = name_of(doc, &l.to);
            let Some(c) = report.components.get(consumer) else {
                continue;
            };
            if c.counters.failures.n() > 0.0 {
                why.push(format!("consumer failures at {consumer}"));
                what.push("fix the failures");
            }
            if c.counters.rejected.n() > 0.0 {
                why.push(format!("throttling at {consumer}"));
                what.push("give it more concurrency");
            }
        }
        if why.is_empty() {
            why.push(format!(
                "{} handed back",
                counted_mean(r.counters.failures.n(), "receive", "receives")
            ));
            what.push("fix what fails them");
        }
        what.dedup();
        // on a FIFO queue the later messages of a group wait behind a redelivered one,
        // so more messages than the redelivered ones share the wait
        let (whose, reach) = if q.fifo {
            (
                "messages",
                "and on a FIFO queue the later messages of their group wait behind them".to_owned(),
            )
        } else {
            (
                "delivered messages",
                format!(
                    "so every percentile above p{} includes that wait",
                    num(100.0 - two_digits(share * 100.0))
                ),
            )
        };
        out.push(Cause {
            component: name.to_owned(),
            covers: Vec::new(),
            text: format!(
                "{label} end to end of {} ({from} -> {to}): {}% of {name}'s {whose} were received again after its {} visibility timeout ({}), {reach}; shorten the visibility timeout (it must still cover the processing) or {}",
                elapsed(value_ms / 1000.0),
                percent(share),
                elapsed(vt_s),
                why.join(", "),
                what.join(" or ")
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_keep_two_digits() {
        assert_eq!(percent(381.0 / 765_337.0), "0.05");
        assert_eq!(percent(0.0123), "1.2");
        assert_eq!(percent(0.37), "37");
        assert_eq!(percent(0.0), "0");
    }

    #[test]
    fn counts_of_one_are_singular_and_means_keep_a_decimal() {
        assert_eq!(
            counted_mean(1.0, "dead letter", "dead letters"),
            "1 dead letter"
        );
        assert_eq!(
            counted_mean(5.0, "dead letter", "dead letters"),
            "5 dead letters"
        );
        assert_eq!(
            counted_mean(2.44, "dead letter", "dead letters"),
            "2.4 dead letters"
        );
    }
}
