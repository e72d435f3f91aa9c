//! The work of a run, estimated before it starts: how many calendar events the engine
//! is expected to process, from the producers' arrival rates and the paths their
//! messages take, so validation can warn about (or refuse) a run that would take
//! minutes or hours of wall time.
//!
//! The estimate is the expected arrivals of every producer over the scenario's duration
//! (capped by its `max_events`) times the expected number of components a message
//! visits from there, the producer included; summed over producers and multiplied by
//! the replications. A visit stands for about one event; kinds that poll, batch or
//! retry process a few more per message, so the figure is an order of magnitude, not a
//! forecast.
//!
//! Expected visits follow the delivery links: a fan-out visits every target (copies
//! multiply), a split visits one target with the links' weights as probabilities, an
//! SQS queue hands each message to one of its consumers in turn. Filters are ignored
//! (an upper bound). In a loop the visits solve `v = 1 + C v` per strongly connected
//! component; a loop that messages never leave, or leave too slowly, counts at most
//! [`MAX_MESSAGE_HOPS`] visits per message, since the engine stops a run where one
//! message has been handed on that many times.

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{ComponentKind, Document, LinkKind, Problem, Routing, Severity, Subject};

/// Most times the engine lets one message (with the copies made of it) be handed on
/// along the links of a loop before it stops the run as looping. Legitimate feedback
/// (retries sent back, a share of messages reprocessed) goes round a handful of times;
/// 100,000 laps only happen in a loop that messages practically never leave.
pub const MAX_MESSAGE_HOPS: u32 = 100_000;

/// Expected events of a run (all replications) above which validation warns with the
/// estimate: about ten seconds of work for the engine.
pub const WARN_EVENTS: f64 = 1e8;

/// Expected events of a run (all replications) above which validation refuses it: about
/// three hours of work for the engine.
pub const MAX_EVENTS: f64 = 1e11;

/// Rough speed of the engine on one core, events per second, used to turn the estimate
/// into a wall time (`spillway bench` measures the real figure of a machine).
pub const EVENTS_PER_SECOND: f64 = 1e7;

/// Largest loop solved exactly (Gaussian elimination, cubic in its size); larger ones
/// are solved by repeated substitution.
const MAX_EXACT_LOOP: usize = 300;

/// Rounds of substitution for loops larger than [`MAX_EXACT_LOOP`].
const ITERATIONS: usize = 2000;

/// The expected work of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Expected arrivals of one run, over every producer.
    pub arrivals: f64,
    /// Expected events of one run.
    pub events_per_run: f64,
    /// Runs (replications).
    pub replications: u32,
    /// Expected events of every run together.
    pub events: f64,
    /// The producer contributing most events (display name), and its events per run.
    pub largest: Option<(String, f64)>,
}

/// How a component spreads a message over its delivery links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spread {
    /// Every matching link gets a copy.
    FanOut,
    /// One link, drawn with the links' weights.
    Split,
    /// One link, the links taking turns (competing consumers).
    Even,
    /// Nothing is sent on (terminal kinds).
    None,
}

fn spread(kind: &ComponentKind) -> Spread {
    let routing = |r: Routing| match r {
        Routing::FanOut => Spread::FanOut,
        Routing::Split => Spread::Split,
    };
    match kind {
        ComponentKind::Producer(p) => routing(p.routing),
        ComponentKind::Station(s) => routing(s.routing),
        ComponentKind::Lambda(l) => routing(l.routing),
        ComponentKind::ContainerService(c) => routing(c.routing),
        ComponentKind::SqsQueue(_) => Spread::Even,
        ComponentKind::Sink(_)
        | ComponentKind::DeadLetterQueue(_)
        | ComponentKind::Ses(_)
        | ComponentKind::LogGroup(_)
        | ComponentKind::Analytics(_) => Spread::None,
        ComponentKind::ApiGateway(_)
        | ComponentKind::EventBus(_)
        | ComponentKind::SnsTopic(_)
        | ComponentKind::KinesisStream(_)
        | ComponentKind::KafkaTopic(_)
        | ComponentKind::StepFunctions(_)
        | ComponentKind::DynamoDbTable(_)
        | ComponentKind::Firehose(_)
        | ComponentKind::S3Bucket(_) => Spread::FanOut,
    }
}

/// Per component: the expected copies a message handed to it sends to each target,
/// `(target, copies)`.
fn expected_copies(doc: &Document) -> Vec<Vec<(usize, f64)>> {
    let index: std::collections::HashMap<&str, usize> = doc
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut links: Vec<Vec<(usize, f64)>> = vec![Vec::new(); doc.components.len()];
    for k in &doc.connections {
        if k.kind != LinkKind::Delivery {
            continue;
        }
        if let (Some(&f), Some(&t)) = (index.get(k.from.as_str()), index.get(k.to.as_str())) {
            let w = if k.weight.is_finite() { k.weight } else { 0.0 };
            links[f].push((t, w));
        }
    }
    for (i, out) in links.iter_mut().enumerate() {
        let n = out.len() as f64;
        match spread(&doc.components[i].kind) {
            Spread::None => out.clear(),
            Spread::FanOut => out.iter_mut().for_each(|l| l.1 = 1.0),
            Spread::Even => out.iter_mut().for_each(|l| l.1 = 1.0 / n),
            Spread::Split => {
                let total: f64 = out.iter().map(|l| l.1.max(0.0)).sum();
                if total > 0.0 {
                    out.iter_mut().for_each(|l| l.1 = l.1.max(0.0) / total);
                } else if let Some(last) = out.len().checked_sub(1) {
                    // as the engine: with no positive weight the last link takes all
                    for (j, l) in out.iter_mut().enumerate() {
                        l.1 = if j == last { 1.0 } else { 0.0 };
                    }
                }
            }
        }
    }
    links
}

/// Expected components a message handed to each component visits from there (itself
/// included), in document order; at most [`MAX_MESSAGE_HOPS`] times the size of the
/// loop it is in.
#[must_use]
pub fn visits(doc: &Document) -> Vec<f64> {
    let copies = expected_copies(doc);
    let n = copies.len();
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, doc.connections.len());
    for _ in 0..n {
        g.add_node(());
    }
    for (i, out) in copies.iter().enumerate() {
        for &(t, _) in out {
            g.add_edge(NodeIndex::new(i), NodeIndex::new(t), ());
        }
    }
    let mut v = vec![1.0; n];
    // successors first: kosaraju_scc yields the components in reverse topological order,
    // and without recursion, so a 20,000-component chain cannot overflow a worker's stack
    for scc in kosaraju_scc(&g) {
        let members: Vec<usize> = scc.iter().map(|x| x.index()).collect();
        if let [i] = members[..]
            && !copies[i].iter().any(|&(t, _)| t == i)
        {
            v[i] = 1.0 + copies[i].iter().map(|&(t, c)| c * v[t]).sum::<f64>();
            continue;
        }
        solve_loop(&members, &copies, &mut v);
    }
    v
}

/// Solve `v_i = 1 + sum_j c_ij v_j` for the members of one loop, the values outside it
/// known; a loop messages do not leave is capped at [`MAX_MESSAGE_HOPS`] per member.
fn solve_loop(members: &[usize], copies: &[Vec<(usize, f64)>], v: &mut [f64]) {
    let k = members.len();
    let cap = f64::from(MAX_MESSAGE_HOPS) * k as f64;
    let pos: std::collections::HashMap<usize, usize> =
        members.iter().enumerate().map(|(p, &m)| (m, p)).collect();
    // b_i: one visit plus what leaves the loop
    let b: Vec<f64> = members
        .iter()
        .map(|&i| {
            1.0 + copies[i]
                .iter()
                .filter(|(t, _)| !pos.contains_key(t))
                .map(|&(t, c)| c * v[t])
                .sum::<f64>()
        })
        .collect();
    let solution = if k <= MAX_EXACT_LOOP {
        // (I - C) x = b by Gaussian elimination with partial pivoting
        let mut a = vec![vec![0.0; k + 1]; k];
        for (r, &i) in members.iter().enumerate() {
            a[r][r] = 1.0;
            for &(t, c) in &copies[i] {
                if let Some(&col) = pos.get(&t) {
                    a[r][col] -= c;
                }
            }
            a[r][k] = b[r];
        }
        gauss(a)
    } else {
        let mut x = b.clone();
        for _ in 0..ITERATIONS {
            for (r, &i) in members.iter().enumerate() {
                let inner: f64 = copies[i]
                    .iter()
                    .filter_map(|&(t, c)| pos.get(&t).map(|&p| c * x[p]))
                    .sum();
                x[r] = (b[r] + inner).min(cap);
            }
        }
        Some(x)
    };
    // A positive solution exists exactly when messages leave the loop in the end
    // (spectral radius below 1); otherwise they lap until the engine stops them.
    match solution {
        Some(x) if x.iter().all(|x| x.is_finite() && *x >= 1.0) => {
            for (r, &i) in members.iter().enumerate() {
                v[i] = x[r].min(cap);
            }
        }
        _ => {
            for &i in members {
                v[i] = cap;
            }
        }
    }
}

/// Solve the augmented system `a` (k rows of k + 1 columns); `None` when singular.
fn gauss(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for row in lower {
            let f = row[col] / pivot_row[col];
            if f != 0.0 {
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut x = vec![0.0; k];
    for r in (0..k).rev() {
        let s: f64 = (r + 1..k).map(|c| a[r][c] * x[c]).sum();
        x[r] = (a[r][k] - s) / a[r][r];
    }
    Some(x)
}

/// Estimate the work of running `doc` with its scenario. Producers whose arrivals are
/// invalid (reported by validation) count nothing.
#[must_use]
pub fn estimate(doc: &Document) -> Estimate {
    let v = visits(doc);
    let duration_s = doc.scenario.duration.as_secs_f64();
    let mut arrivals = 0.0;
    let mut events_per_run = 0.0;
    let mut largest: Option<(String, f64)> = None;
    for (i, c) in doc.components.iter().enumerate() {
        let ComponentKind::Producer(p) = &c.kind else {
            continue;
        };
        if !p.arrivals.problems().is_empty() {
            continue;
        }
        let mut a = p.arrivals.mean_rate_per_s(duration_s) * duration_s;
        if let Some(m) = p.max_events {
            a = a.min(m as f64);
        }
        if !a.is_finite() || a <= 0.0 {
            continue;
        }
        let e = a * v[i];
        arrivals += a;
        events_per_run += e;
        if largest.as_ref().is_none_or(|(_, l)| e > *l) {
            largest = Some((c.display_name().to_owned(), e));
        }
    }
    let replications = doc.scenario.replications.max(1);
    Estimate {
        arrivals,
        events_per_run,
        replications,
        events: events_per_run * f64::from(replications),
        largest,
    }
}

/// A wall time in words: "about 17 minutes".
#[must_use]
pub fn wall_time(seconds: f64) -> String {
    let (n, unit) = if seconds < 90.0 {
        (seconds, "second")
    } else if seconds < 90.0 * 60.0 {
        (seconds / 60.0, "minute")
    } else if seconds < 48.0 * 3600.0 {
        (seconds / 3600.0, "hour")
    } else {
        (seconds / 86_400.0, "day")
    };
    let n = n.round().max(1.0);
    format!("about {n:.0} {unit}{}", if n == 1.0 { "" } else { "s" })
}

/// Validation problems of the estimated work: a warning above [`WARN_EVENTS`], an error
/// above [`MAX_EVENTS`], each with the estimate and a rough wall time.
#[must_use]
pub fn problems(doc: &Document) -> Vec<Problem> {
    let e = estimate(doc);
    if e.events.is_nan() || e.events <= WARN_EVENTS {
        return Vec::new();
    }
    let wall = wall_time(e.events / EVENTS_PER_SECOND);
    let runs = if e.replications > 1 {
        format!(" over {} replications", e.replications)
    } else {
        String::new()
    };
    let source = e.largest.as_ref().map_or(String::new(), |(name, ev)| {
        format!(
            ", {:.0}% of them from producer `{}`",
            (ev / e.events_per_run * 100.0).min(100.0),
            crate::model::text::printable(name)
        )
    });
    let (severity, advice) = if e.events > MAX_EVENTS {
        (
            Severity::Error,
            format!(
                "; the limit is {MAX_EVENTS:.0e} (shorten the run, lower the rates or the replications)"
            ),
        )
    } else {
        (
            Severity::Warning,
            " (shorten the run or lower the rates for a quicker answer)".to_owned(),
        )
    };
    vec![Problem {
        severity,
        subject: Subject::Scenario,
        message: format!(
            "the run would process about {:.1e} events{runs}{source}; at ~10 million events per second that is {wall}{advice}",
            e.events
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    fn doc(text: &str) -> Document {
        from_ron_str(text).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn producer_into_a_sink_is_two_events_per_arrival() {
        let d = doc(r#"(scenario: (duration: "10s"), components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 100.0))),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "k")])"#);
        let e = estimate(&d);
        assert!(close(e.arrivals, 1000.0), "{e:?}");
        assert!(close(e.events, 2000.0), "{e:?}");
        assert!(problems(&d).is_empty());
    }

    #[test]
    fn fan_out_multiplies_and_split_averages() {
        // p fans out to k1 and s; s splits 3:1 to k2 (via t) and k3
        let d = doc(
            r#"(scenario: (duration: "1s", replications: 2), components: [
            (id: "p", kind: Producer(arrivals: Constant(rate_per_s: 10.0))),
            (id: "k1", kind: Sink()),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0), routing: Split)),
            (id: "t", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0))),
            (id: "k2", kind: Sink()),
            (id: "k3", kind: Sink()),
        ], connections: [
            (from: "p", to: "k1"), (from: "p", to: "s"),
            (from: "s", to: "t", weight: 3.0), (from: "s", to: "k3", weight: 1.0),
            (from: "t", to: "k2"),
        ])"#,
        );
        let v = visits(&d);
        // v(t) = 2, v(s) = 1 + 0.75 * 2 + 0.25 * 1 = 2.75, v(p) = 1 + 1 + 2.75 = 4.75
        assert!(
            close(v[3], 2.0) && close(v[2], 2.75) && close(v[0], 4.75),
            "{v:?}"
        );
        let e = estimate(&d);
        assert!(close(e.events_per_run, 47.5), "{e:?}");
        assert!(close(e.events, 95.0), "{e:?}");
    }

    #[test]
    fn feedback_loops_count_their_expected_laps() {
        // s sends half of what it finishes back to itself: v(s) = 1 + v(s)/2 + 1/2 = 3
        let d = doc(r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0), routing: Split)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "s"), (from: "s", to: "k")])"#);
        let v = visits(&d);
        assert!(close(v[1], 3.0) && close(v[0], 4.0), "{v:?}");
        // a -> b -> a with 0.9 back: v(b) = 1 + 0.9 v(a) + 0.1, v(a) = 1 + v(b) -> 20, 21
        let d = doc(r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "a", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0))),
            (id: "b", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0), routing: Split)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "a"), (from: "a", to: "b"),
            (from: "b", to: "a", weight: 0.9), (from: "b", to: "k", weight: 0.1)])"#);
        let v = visits(&d);
        assert!(
            close(v[1], 21.0) && close(v[2], 20.0) && close(v[0], 22.0),
            "{v:?}"
        );
    }

    #[test]
    fn loops_without_a_way_out_are_capped_at_the_engine_limit() {
        // a fan-out loop doubles on every lap: unbounded, capped per member
        let d = doc(r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0))),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "s"), (from: "s", to: "k")])"#);
        let v = visits(&d);
        assert!(close(v[1], f64::from(MAX_MESSAGE_HOPS)), "{v:?}");
        assert!(close(v[0], 1.0 + f64::from(MAX_MESSAGE_HOPS)), "{v:?}");
        // a split loop that almost never lets go: 1e9:1 back
        let d = doc(r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0), routing: Split)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "s", weight: 1e9), (from: "s", to: "k", weight: 1.0)])"#);
        assert!(close(visits(&d)[1], f64::from(MAX_MESSAGE_HOPS)));
    }

    #[test]
    fn sqs_consumers_compete_and_max_events_caps_arrivals() {
        let d = doc(r#"(scenario: (duration: "100s"), components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 10.0), max_events: 50)),
            (id: "q", kind: SqsQueue()),
            (id: "a", kind: Sink()),
            (id: "b", kind: Station(servers: 1, service_ms: Exponential(mean: 1.0))),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "q"), (from: "q", to: "a"), (from: "q", to: "b"),
            (from: "b", to: "k")])"#);
        let v = visits(&d);
        // q: 1 + (1 + 2) / 2 = 2.5; p: 3.5
        assert!(close(v[1], 2.5) && close(v[0], 3.5), "{v:?}");
        let e = estimate(&d);
        assert!(close(e.arrivals, 50.0) && close(e.events, 175.0), "{e:?}");
    }

    #[test]
    fn a_billion_per_second_for_ten_seconds_warns_with_the_wall_time() {
        let text = |dur: &str, reps: u32| {
            format!(
                r#"(scenario: (duration: "{dur}", replications: {reps}), components: [
                (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1e9))),
                (id: "k", kind: Sink()),
            ], connections: [(from: "p", to: "k")])"#
            )
        };
        let d = doc(&text("10s", 1));
        // 1e10 arrivals, two events each: 2e10 events, 2000 s at 1e7 per second
        assert!(close(estimate(&d).events, 2e10));
        let p = problems(&d);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].severity, Severity::Warning);
        assert!(
            p[0].message.contains("about 2.0e10 events")
                && p[0].message.contains("about 33 minutes")
                && p[0].message.contains("producer `p`"),
            "{}",
            p[0].message
        );
        // ten replications: 2e11 events, refused
        let p = problems(&doc(&text("10s", 10)));
        assert_eq!(p[0].severity, Severity::Error, "{p:?}");
        assert!(
            p[0].message.contains("2.0e11") && p[0].message.contains("over 10 replications"),
            "{}",
            p[0].message
        );
        // 0.1 s is 2e8 events: a warning of about 20 seconds
        let p = problems(&doc(&text("100ms", 1)));
        assert!(p[0].message.contains("about 20 seconds"), "{p:?}");
    }

    #[test]
    fn wall_times_read_naturally() {
        assert_eq!(wall_time(1.0), "about 1 second");
        assert_eq!(wall_time(1000.0), "about 17 minutes");
        assert_eq!(wall_time(10_000.0), "about 3 hours");
        assert_eq!(wall_time(1e6), "about 12 days");
    }

    #[test]
    fn shipped_examples_stay_below_the_warning() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ron") {
                let d = crate::model::load(&path).unwrap();
                assert!(problems(&d).is_empty(), "{}", path.display());
                assert!(estimate(&d).events > 0.0, "{}", path.display());
            }
        }
    }
}
