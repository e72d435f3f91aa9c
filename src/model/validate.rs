//! Validation: every problem in a document at once, each naming what it is about.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::aws::{
    EVENTBRIDGE_MAX_TARGETS_PER_RULE, LAMBDA_MAX_CONCURRENCY, MAX_STREAM_LANES,
    SQS_ESM_MAX_CONCURRENCY, SQS_ESM_MIN_CONCURRENCY, SQS_MAX_POLLERS, eventbridge_retry_limits,
};
use super::wiring::link_problems;
use super::{
    ComponentKind, Document, LinkKind, MAX_ATTRIBUTE_VALUES, MAX_ATTRIBUTES, MAX_DURATION_NS,
    MAX_EVENT_TYPES, MAX_STATION_SERVERS, Retry, Routing, has_unsafe_chars, printable,
};

/// How serious a problem is: errors stop a run, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// The document cannot be simulated.
    Error,
    /// Probably a mistake, but it can run.
    Warning,
}

/// What a problem is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Subject {
    /// The document as a whole.
    Document,
    /// The scenario settings.
    Scenario,
    /// An event type, by name.
    EventType(String),
    /// A component, by display name.
    Component(String),
    /// A connection, by index in the document and a label such as `A -> B`.
    Connection(usize, String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Document => f.write_str("document"),
            Subject::Scenario => f.write_str("scenario"),
            Subject::EventType(n) => write!(f, "event type `{}`", printable(n)),
            Subject::Component(n) => write!(f, "component `{}`", printable(n)),
            Subject::Connection(i, l) => write!(f, "connection #{} `{}`", i + 1, printable(l)),
        }
    }
}

/// One thing wrong with a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// What it is about.
    pub subject: Subject,
    /// What is wrong, lowercase, without the subject.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // names in the message are escaped where it is made; escaping it again keeps a
        // terminal safe from anything that slipped through
        write!(f, "{sev}: {}: {}", self.subject, printable(&self.message))
    }
}

/// Largest number of arrivals a run may be expected to generate; beyond it a run would
/// take hours, so it is refused up front rather than left to hang.
pub const MAX_EXPECTED_ARRIVALS: f64 = 1e10;

/// Most independent replications of one run: 10,000 (ours; each costs a full run).
pub const MAX_REPLICATIONS: u32 = 10_000;

/// Most time-series buckets of one run: 100,000 (ours; every component keeps a value per
/// bucket, so this bounds the memory of the series).
pub const MAX_BUCKETS: u64 = 100_000;

/// Most laps a message may be expected to make around a station that routes part of its
/// output back into itself: 1,000,000 (ours). A split that sends the share `p` of the
/// traffic back makes on average `1 / (1 - p)` laps, so `p` may be at most 0.999999.
pub const MAX_EXPECTED_LAPS: f64 = 1e6;

/// The error for text from the design that holds a character which must not reach a
/// terminal (see [`crate::model::text`]), showing the text escaped.
fn unsafe_text(what: &str, text: &str) -> String {
    format!(
        "{what} `{}` contains a control or bidirectional-formatting character (shown escaped); remove it",
        printable(text)
    )
}

/// What is wrong with a retry policy, each message naming the policy's `field` (e.g.
/// `"retry"`, `"sdk_retry"`); shared by every kind with a retry policy.
#[must_use]
pub(crate) fn retry_problems(field: &str, r: &Retry) -> Vec<String> {
    let mut out = Vec::new();
    if r.max_attempts == 0 {
        out.push(format!(
            "{field}.max_attempts must be at least 1 (1 = no retries)"
        ));
    }
    for (name, v) in [
        ("backoff_ms", r.backoff_ms),
        ("max_backoff_ms", r.max_backoff_ms),
    ] {
        if !v.is_finite() || v < 0.0 {
            out.push(format!("{field}.{name} must be finite and >= 0, got {v}"));
        }
    }
    if !r.multiplier.is_finite() || r.multiplier < 1.0 {
        out.push(format!(
            "{field}.multiplier must be >= 1, got {}",
            r.multiplier
        ));
    }
    out
}

/// Problems of a cloud component's own parameters.
fn cloud_problems(kind: &ComponentKind) -> Vec<(Severity, String)> {
    match kind {
        ComponentKind::ApiGateway(p) => p.problems(),
        ComponentKind::EventBus(p) => p.problems(),
        ComponentKind::SnsTopic(p) => p.problems(),
        ComponentKind::SqsQueue(p) => p.problems(),
        ComponentKind::Lambda(p) => p.problems(),
        ComponentKind::KinesisStream(p) => p.problems(),
        ComponentKind::KafkaTopic(p) => p.problems(),
        ComponentKind::ContainerService(p) => p.problems(),
        ComponentKind::StepFunctions(p) => p.problems(),
        ComponentKind::DynamoDbTable(p) => p.problems(),
        ComponentKind::Firehose(p) => p.problems(),
        ComponentKind::S3Bucket(p)
        | ComponentKind::Ses(p)
        | ComponentKind::LogGroup(p)
        | ComponentKind::Analytics(p) => p.problems(),
        ComponentKind::Producer(_)
        | ComponentKind::Station(_)
        | ComponentKind::Sink(_)
        | ComponentKind::DeadLetterQueue(_) => Vec::new(),
    }
}

/// Who is connected to whom, computed once so that the checks look things up instead of
/// scanning every connection for every component (validation stays near-linear in the
/// size of the design).
struct Links<'a> {
    /// Component id -> position of the first component with that id.
    pos: HashMap<&'a str, usize>,
    /// Per component (by the position of its id): connections that start there, in
    /// document order.
    out: Vec<Vec<usize>>,
    /// Per component (by the position of its id): whether anything leads there (a
    /// connection's `to` or `dead_letter`, a Firehose `transform`).
    has_in: Vec<bool>,
}

impl<'a> Links<'a> {
    fn new(doc: &'a Document) -> Self {
        let n = doc.components.len();
        let mut pos = HashMap::with_capacity(n);
        for (i, c) in doc.components.iter().enumerate() {
            pos.entry(c.id.as_str()).or_insert(i);
        }
        let mut out = vec![Vec::new(); n];
        let mut has_in = vec![false; n];
        for (k, conn) in doc.connections.iter().enumerate() {
            if let Some(&a) = pos.get(conn.from.as_str()) {
                out[a].push(k);
            }
            if let Some(&b) = pos.get(conn.to.as_str()) {
                has_in[b] = true;
            }
            if let Some(d) = &conn.dead_letter
                && let Some(&b) = pos.get(d.as_str())
            {
                has_in[b] = true;
            }
        }
        for c in &doc.components {
            if let ComponentKind::Firehose(f) = &c.kind
                && let Some(t) = &f.transform
                && let Some(&b) = pos.get(t.as_str())
            {
                has_in[b] = true;
            }
        }
        Links { pos, out, has_in }
    }

    /// Position of the (first) component with this id.
    fn index(&self, id: &str) -> Option<usize> {
        self.pos.get(id).copied()
    }

    /// Connections starting at the component with this id.
    fn out_of(&self, id: &str) -> &[usize] {
        self.index(id).map_or(&[], |i| self.out[i].as_slice())
    }
}

/// Errors of an EventBus's rules, which a run would refuse: more targets than
/// EventBridge allows in one rule, and targets of one rule with different filters (a
/// rule has one event pattern). `out` are the bus's outgoing connections.
fn rule_problems(
    doc: &Document,
    links: &Links,
    out: &[usize],
) -> (Vec<String>, Vec<(usize, String)>) {
    // rule name -> (its filter so far, targets), in order of first appearance
    let mut rules: Vec<(&str, Option<&super::Filter>, usize, bool)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut on_links = Vec::new();
    for &k in out {
        let conn = &doc.connections[k];
        if conn.kind != LinkKind::Delivery || links.index(&conn.to).is_none() {
            continue;
        }
        if conn.rule.is_empty() {
            continue; // a rule of its own: one target, one pattern
        }
        let r = *at.entry(conn.rule.as_str()).or_insert_with(|| {
            rules.push((conn.rule.as_str(), None, 0, false));
            rules.len() - 1
        });
        let (name, filter, targets, clash) = &mut rules[r];
        *targets += 1;
        match (*filter, conn.filter.as_ref()) {
            (_, None) => {}
            (None, Some(f)) => *filter = Some(f),
            (Some(a), Some(b)) if a == b => {}
            (Some(_), Some(_)) => {
                if !*clash {
                    *clash = true;
                    on_links.push((
                        k,
                        format!(
                            "rule `{}` has targets with different filters; a rule has one event pattern: put the filter on one of its links (or the same filter on all)",
                            printable(name)
                        ),
                    ));
                }
            }
        }
    }
    let on_bus = rules
        .iter()
        .filter(|r| r.2 > EVENTBRIDGE_MAX_TARGETS_PER_RULE)
        .map(|(name, _, n, _)| {
            format!(
                "rule `{}` has {n} targets; EventBridge allows at most {EVENTBRIDGE_MAX_TARGETS_PER_RULE} per rule (a hard limit)",
                printable(name)
            )
        })
        .collect();
    (on_bus, on_links)
}

/// The error of a component that delivers to itself where that makes a loop that never
/// ends, on the first link at fault: any service sending on (or failing) into itself, a
/// station copying its output back into itself (fan-out) or splitting so much of it back
/// that a message makes more than [`MAX_EXPECTED_LAPS`] laps on average, or a station
/// whose every attempt fails sending its failures back into itself. `self_links` are the
/// component's connections to itself, `delivery` all its delivery links.
fn self_loop(
    c: &super::Component,
    self_links: &[usize],
    doc: &Document,
    delivery: Vec<&super::Connection>,
) -> Option<(usize, String)> {
    let me = printable(c.display_name());
    let kind = c.kind.kind_name();
    let is_delivery = |k: &usize| doc.connections[*k].kind == LinkKind::Delivery;
    let back = self_links.iter().copied().find(is_delivery);
    // (a dead-letter link into a kind that holds no dead letters is an error of its own)
    let failing_back = self_links
        .iter()
        .copied()
        .find(|k| match doc.connections[*k].kind {
            LinkKind::Delivery => false,
            LinkKind::DeadLetter => c.kind.holds_dead_letters(),
            LinkKind::OnFailure => true,
        });
    match &c.kind {
        // a link into a producer is an error of its own
        ComponentKind::Producer(_) => None,
        ComponentKind::Station(st) => {
            if let Some(k) = back {
                if st.routing == Routing::FanOut {
                    return Some((
                        k,
                        format!(
                            "Station `{me}` sends a copy of everything it sends on back into itself (fan-out routing), so messages multiply on every lap and never leave; use split routing for a feedback loop"
                        ),
                    ));
                }
                let weights_ok = delivery.iter().all(|l| l.weight.is_finite() && l.weight >= 0.0);
                let total: f64 = delivery.iter().map(|l| l.weight).sum();
                let looped: f64 = delivery
                    .iter()
                    .filter(|l| l.to == c.id)
                    .map(|l| l.weight)
                    .sum();
                // with every weight zero the last link takes everything
                let share = if total > 0.0 {
                    looped / total
                } else if delivery.last().is_some_and(|l| l.to == c.id) {
                    1.0
                } else {
                    0.0
                };
                if weights_ok && share >= 1.0 {
                    return Some((
                        k,
                        format!(
                            "Station `{me}` splits all of its output back into itself, so messages never leave"
                        ),
                    ));
                }
                let laps = 1.0 / (1.0 - share);
                if weights_ok && laps > MAX_EXPECTED_LAPS {
                    return Some((
                        k,
                        format!(
                            "Station `{me}` splits {share} of its output back into itself, so a message makes about {laps:.3e} laps on average; at most {MAX_EXPECTED_LAPS:e} are allowed (lower this link's weight)"
                        ),
                    ));
                }
            }
            if let Some(k) = failing_back {
                let attempts = i32::try_from(st.retry.max_attempts).unwrap_or(i32::MAX);
                let fails = st.fail_prob.powi(attempts.max(1));
                if fails.is_finite() && (0.0..=1.0).contains(&fails) && 1.0 / (1.0 - fails) > MAX_EXPECTED_LAPS {
                    return Some((
                        k,
                        format!(
                            "Station `{me}` sends what fails back into itself and almost every message fails (fail_prob {}), so messages never leave",
                            st.fail_prob
                        ),
                    ));
                }
            }
            None
        }
        k if k.has_outputs() && back.is_some() => back.map(|l| {
            (
                l,
                format!(
                    "{kind} `{me}` delivers to itself: everything it sends on comes straight back, a loop that never ends"
                ),
            )
        }),
        k if k.can_dead_letter() && failing_back.is_some() => failing_back.map(|l| {
            (
                l,
                format!(
                    "{kind} `{me}` sends what fails back into itself, a loop that never ends"
                ),
            )
        }),
        _ => None,
    }
}

/// The strongly connected components of the graph with successor lists `succ` (Tarjan's
/// algorithm), each emitted when its root is finished, so in reverse topological order.
/// Iterative: a chain of a million components needs no deep call stack.
fn strongly_connected(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = succ.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    // the depth-first path: (component, how many of its successors have been looked at)
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        path.push((root, 0));
        while let Some(top) = path.last_mut() {
            let v = top.0;
            if let Some(&w) = succ[v].get(top.1) {
                top.1 += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    path.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            path.pop();
            if let Some(&(u, _)) = path.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(scc);
            }
        }
    }
    out
}

/// The problems found so far, in the order they are found.
#[derive(Default)]
struct Found(Vec<Problem>);

impl Found {
    fn push(&mut self, severity: Severity, subject: Subject, message: String) {
        self.0.push(Problem {
            severity,
            subject,
            message,
        });
    }
}

/// What every part of the validation reads: the document and indexes over it.
struct Cx<'a> {
    doc: &'a Document,
    /// Display name by id.
    names: BTreeMap<&'a str, &'a str>,
    links: Links<'a>,
    type_names: HashSet<&'a str>,
    /// Event types with a positive weight.
    weighted_types: HashSet<&'a str>,
    attr_names: HashSet<&'a str>,
}

impl<'a> Cx<'a> {
    fn new(doc: &'a Document) -> Self {
        Cx {
            doc,
            names: doc
                .components
                .iter()
                .map(|c| (c.id.as_str(), c.display_name()))
                .collect(),
            links: Links::new(doc),
            type_names: doc.event_types.iter().map(|e| e.name.as_str()).collect(),
            weighted_types: doc
                .event_types
                .iter()
                .filter(|e| e.weight > 0.0)
                .map(|e| e.name.as_str())
                .collect(),
            attr_names: doc
                .event_types
                .iter()
                .flat_map(|e| e.attributes.keys().map(String::as_str))
                .collect(),
        }
    }

    /// The subject naming the component with this id (by its display name).
    fn comp(&self, id: &str) -> Subject {
        Subject::Component(self.names.get(id).copied().unwrap_or(id).to_owned())
    }
}

/// Check a document and return every problem, errors first, in a stable order: the
/// scenario, the event types, the account and cost settings, each component, each
/// connection, the shape of the graph, and (when there is no error) the work a run
/// would be.
pub fn validate(doc: &Document) -> Vec<Problem> {
    let cx = Cx::new(doc);
    let mut found = Found::default();
    scenario(&cx, &mut found);
    event_types(&cx, &mut found);
    account_and_cost(&cx, &mut found);
    components(&cx, &mut found);
    connections(&cx, &mut found);
    graph_shape(&cx, &mut found);
    let mut out = found.0;

    // --- how much work a run is: refused or warned about before it starts, with an
    // estimate, instead of leaving a huge run to look like a hang. Only for designs that
    // are otherwise sound, since the estimate follows the links.
    if !out.iter().any(|p| p.severity == Severity::Error) {
        out.extend(super::work::problems(doc));
    }

    out.sort_by_key(|p| p.severity);
    out
}

/// The scenario: duration, warm-up, replications, buckets.
fn scenario(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    let sc = &doc.scenario;
    if sc.duration.ns == 0 {
        out.push(
            Severity::Error,
            Subject::Scenario,
            "duration must be longer than zero".into(),
        );
    }
    if sc.duration.ns > MAX_DURATION_NS {
        out.push(
            Severity::Error,
            Subject::Scenario,
            "duration is longer than 100 years".into(),
        );
    }
    if sc.warmup >= sc.duration && sc.duration.ns > 0 {
        out.push(
            Severity::Error,
            Subject::Scenario,
            format!(
                "warm-up ({}) must be shorter than the duration ({})",
                sc.warmup, sc.duration
            ),
        );
    }
    if sc.replications == 0 {
        out.push(
            Severity::Error,
            Subject::Scenario,
            "replications must be at least 1".into(),
        );
    } else if sc.replications > MAX_REPLICATIONS {
        out.push(
            Severity::Error,
            Subject::Scenario,
            format!(
                "{} replications is too many (max {MAX_REPLICATIONS})",
                sc.replications
            ),
        );
    }
    if sc.duration.ns > 0 && sc.duration.ns / sc.bucket_width().ns > MAX_BUCKETS {
        out.push(
            Severity::Error,
            Subject::Scenario,
            format!(
                "the time-series bucket is so small that the run would have more than {MAX_BUCKETS} buckets"
            ),
        );
    }
}

/// The event types: names, weights, attributes and their values.
fn event_types(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    if doc.event_types.len() > MAX_EVENT_TYPES {
        out.push(
            Severity::Error,
            Subject::Document,
            format!(
                "{} event types; at most {MAX_EVENT_TYPES} are supported",
                doc.event_types.len()
            ),
        );
    }
    let mut seen_types = BTreeSet::new();
    for et in &doc.event_types {
        let s = || Subject::EventType(et.name.clone());
        if et.name.is_empty() {
            out.push(Severity::Error, s(), "event type has no name".into());
        }
        if has_unsafe_chars(&et.name) {
            out.push(Severity::Error, s(), unsafe_text("name", &et.name));
        }
        for (attr, values) in &et.attributes {
            if has_unsafe_chars(attr) {
                out.push(Severity::Error, s(), unsafe_text("attribute name", attr));
            }
            for (v, _) in values {
                if has_unsafe_chars(v) {
                    out.push(
                        Severity::Error,
                        s(),
                        unsafe_text(&format!("value of attribute `{}`", printable(attr)), v),
                    );
                }
            }
        }
        if !seen_types.insert(et.name.as_str()) {
            out.push(Severity::Error, s(), "event type name is used twice".into());
        }
        if !et.weight.is_finite() || et.weight < 0.0 {
            out.push(
                Severity::Error,
                s(),
                format!("weight must be finite and >= 0, got {}", et.weight),
            );
        }
        for p in et.payload_bytes.problems() {
            out.push(Severity::Error, s(), format!("payload_bytes: {p}"));
        }
        if et.attributes.len() > MAX_ATTRIBUTES {
            out.push(
                Severity::Error,
                s(),
                format!(
                    "{} attributes; at most {MAX_ATTRIBUTES} are supported",
                    et.attributes.len()
                ),
            );
        }
        for (attr, values) in &et.attributes {
            if values.is_empty() || values.len() > MAX_ATTRIBUTE_VALUES {
                out.push(
                    Severity::Error,
                    s(),
                    format!(
                        "attribute `{}` needs 1 to {MAX_ATTRIBUTE_VALUES} values",
                        printable(attr)
                    ),
                );
            }
            if values.iter().any(|(_, w)| !w.is_finite() || *w < 0.0)
                || values.iter().all(|(_, w)| *w <= 0.0)
            {
                out.push(
                    Severity::Error,
                    s(),
                    format!(
                        "attribute `{}` needs finite non-negative weights, not all zero",
                        printable(attr)
                    ),
                );
            }
        }
    }
    if !doc.event_types.is_empty() && doc.event_types.iter().all(|e| e.weight <= 0.0) {
        out.push(
            Severity::Error,
            Subject::Document,
            "all event types have weight zero".into(),
        );
    }
}

/// The account settings and the cost settings.
fn account_and_cost(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    if doc.account.lambda_concurrency == 0 {
        out.push(
            Severity::Error,
            Subject::Document,
            "account.lambda_concurrency must be at least 1".into(),
        );
    } else if doc.account.lambda_concurrency > LAMBDA_MAX_CONCURRENCY {
        out.push(
            Severity::Error,
            Subject::Document,
            format!(
                "account.lambda_concurrency ({}) is more than the supported {LAMBDA_MAX_CONCURRENCY}",
                doc.account.lambda_concurrency
            ),
        );
    }
    if has_unsafe_chars(&doc.name) {
        out.push(
            Severity::Error,
            Subject::Document,
            unsafe_text("the design's name", &doc.name),
        );
    }
    for (key, v) in &doc.cost.prices {
        if has_unsafe_chars(key) {
            out.push(
                Severity::Error,
                Subject::Document,
                unsafe_text("cost.prices key", key),
            );
        }
        if !v.is_finite() || *v < 0.0 {
            out.push(
                Severity::Error,
                Subject::Document,
                format!(
                    "cost.prices `{}` must be finite and >= 0, got {v}",
                    printable(key)
                ),
            );
        }
        if key.split('.').count() != 2 {
            out.push(
                Severity::Error,
                Subject::Document,
                format!(
                    "cost.prices key `{}` must look like `service.meter`, e.g. `lambda.requests`",
                    printable(key)
                ),
            );
        }
    }
}

/// Each component: id, name, parameters and its kind's own checks.
#[expect(
    clippy::too_many_lines,
    reason = "every check of one component, in the order of its fields"
)]
fn components(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    let links = &cx.links;
    let type_names = &cx.type_names;
    let weighted_types = &cx.weighted_types;
    let sc = &doc.scenario;
    let comp = |id: &str| cx.comp(id);
    let mut ids = BTreeSet::new();
    let mut display = BTreeSet::new();
    for c in &doc.components {
        let s = || comp(&c.id);
        if c.id.is_empty() {
            out.push(
                Severity::Error,
                Subject::Component(c.display_name().to_owned()),
                "component has an empty id".into(),
            );
        } else if !c
            .id
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '-' || ch == '_')
        {
            out.push(
                Severity::Error,
                s(),
                format!(
                    "id `{}` may contain only letters, digits, `-` and `_`",
                    printable(&c.id)
                ),
            );
        }
        if has_unsafe_chars(&c.name) {
            out.push(Severity::Error, s(), unsafe_text("name", &c.name));
        }
        let id_used_twice = !ids.insert(c.id.as_str());
        if id_used_twice {
            out.push(
                Severity::Error,
                s(),
                format!(
                    "id `{}` is used by more than one component",
                    printable(&c.id)
                ),
            );
        }
        // a component without a name goes by its id: a repeated id is one mistake, said once
        let new_name = display.insert(c.display_name());
        if !new_name && (!id_used_twice || !c.name.is_empty()) {
            out.push(
                Severity::Error,
                s(),
                "name is used by more than one component".into(),
            );
        }
        match &c.kind {
            ComponentKind::Producer(p) => {
                for e in p.arrivals.problems() {
                    out.push(Severity::Error, s(), format!("arrivals: {e}"));
                }
                for t in &p.event_types {
                    if !type_names.contains(t.as_str()) {
                        out.push(
                            Severity::Error,
                            s(),
                            format!("emits unknown event type `{}`", printable(t)),
                        );
                    }
                }
                // a run needs at least one event type of positive weight to draw from
                // (when every type has weight zero, the document-wide error says so)
                if !p.event_types.is_empty()
                    && p.event_types
                        .iter()
                        .all(|t| type_names.contains(t.as_str()))
                    && !weighted_types.is_empty()
                    && !p
                        .event_types
                        .iter()
                        .any(|t| weighted_types.contains(t.as_str()))
                {
                    out.push(
                        Severity::Error,
                        s(),
                        "emits only event types of weight zero, so it has nothing to send".into(),
                    );
                }
                if p.arrivals.problems().is_empty() {
                    let expected = p.arrivals.peak_rate_per_s() * sc.duration.as_secs_f64();
                    let expected = p.max_events.map_or(expected, |m| expected.min(m as f64));
                    if expected > MAX_EXPECTED_ARRIVALS {
                        out.push(
                            Severity::Error,
                            s(),
                            format!(
                                "would generate about {expected:.3e} events in {}; the limit is {MAX_EXPECTED_ARRIVALS:e} (shorten the run or lower the rate)",
                                sc.duration
                            ),
                        );
                    }
                }
            }
            ComponentKind::Station(st) => {
                if st.servers == 0 {
                    out.push(Severity::Error, s(), "servers must be at least 1".into());
                } else if st.servers > MAX_STATION_SERVERS {
                    out.push(
                        Severity::Error,
                        s(),
                        format!(
                            "{} servers is more than the supported {MAX_STATION_SERVERS}",
                            st.servers
                        ),
                    );
                }
                for e in st.service_ms.problems() {
                    out.push(Severity::Error, s(), format!("service_ms: {e}"));
                }
                if !st.fail_prob.is_finite() || !(0.0..=1.0).contains(&st.fail_prob) {
                    out.push(
                        Severity::Error,
                        s(),
                        format!("fail_prob must be between 0 and 1, got {}", st.fail_prob),
                    );
                }
                for e in retry_problems("retry", &st.retry) {
                    out.push(Severity::Error, s(), e);
                }
                if let Some(t) = &st.throttle {
                    if !t.rate_per_s.is_finite() || t.rate_per_s < 0.0 {
                        out.push(
                            Severity::Error,
                            s(),
                            format!(
                                "throttle.rate_per_s must be finite and >= 0, got {}",
                                t.rate_per_s
                            ),
                        );
                    }
                    if !t.burst.is_finite() || t.burst < 1.0 {
                        out.push(
                            Severity::Error,
                            s(),
                            format!("throttle.burst must be at least 1, got {}", t.burst),
                        );
                    }
                }
                if st.timeout.is_some_and(|t| t.ns == 0) {
                    out.push(
                        Severity::Error,
                        s(),
                        "timeout must be longer than zero".into(),
                    );
                }
                if st.max_age.is_some_and(|t| t.ns == 0) {
                    out.push(
                        Severity::Error,
                        s(),
                        "max_age must be longer than zero".into(),
                    );
                }
            }
            ComponentKind::Sink(_) | ComponentKind::DeadLetterQueue(_) => {}
            other => {
                for (sev, e) in cloud_problems(other) {
                    out.push(sev, s(), e);
                }
            }
        }
        match &c.kind {
            ComponentKind::EventBus(_) => {
                let (on_bus, on_links) = rule_problems(doc, links, links.out_of(&c.id));
                for m in on_bus {
                    out.push(Severity::Error, s(), m);
                }
                for (k, m) in on_links {
                    out.push(
                        Severity::Error,
                        Subject::Connection(k, doc.connections[k].label()),
                        m,
                    );
                }
            }
            ComponentKind::SqsQueue(q) => {
                // a Lambda consumer reads the queue through an event-source mapping,
                // whose MaximumConcurrency AWS bounds
                let lambda_consumer = links.out_of(&c.id).iter().any(|&k| {
                    let conn = &doc.connections[k];
                    conn.kind == LinkKind::Delivery
                        && links.index(&conn.to).is_some_and(|t| {
                            matches!(doc.components[t].kind, ComponentKind::Lambda(_))
                        })
                });
                let m = q.max_concurrency.unwrap_or(SQS_ESM_MIN_CONCURRENCY);
                if !lambda_consumer && m > SQS_MAX_POLLERS {
                    out.push(
                        Severity::Error,
                        s(),
                        format!(
                            "max_concurrency ({m}) is more than the supported {SQS_MAX_POLLERS} pollers"
                        ),
                    );
                }
                if lambda_consumer
                    && m != 0 // reported above
                    && !(SQS_ESM_MIN_CONCURRENCY..=SQS_ESM_MAX_CONCURRENCY).contains(&m)
                {
                    out.push(
                        Severity::Error,
                        s(),
                        format!(
                            "max_concurrency must be between {SQS_ESM_MIN_CONCURRENCY} and {SQS_ESM_MAX_CONCURRENCY} when a Lambda function consumes the queue (event-source mapping MaximumConcurrency), got {m}"
                        ),
                    );
                }
            }
            _ => {}
        }
        if let ComponentKind::Producer(p) = &c.kind {
            for e in retry_problems("retry", &p.retry) {
                out.push(Severity::Error, s(), e);
            }
            if let Some(k) = &p.keys {
                if k.cardinality == 0 {
                    out.push(
                        Severity::Error,
                        s(),
                        "keys.cardinality must be at least 1".into(),
                    );
                }
                if !k.hot_share.is_finite() || !(0.0..=1.0).contains(&k.hot_share) {
                    out.push(
                        Severity::Error,
                        s(),
                        format!(
                            "keys.hot_share must be between 0 and 1, got {}",
                            k.hot_share
                        ),
                    );
                }
            }
        }
    }
}

/// Each connection: its ends, its kind, its filter, and the wiring rules.
#[expect(
    clippy::too_many_lines,
    reason = "every check of one connection, in the order of its fields"
)]
fn connections(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    let links = &cx.links;
    let type_names = &cx.type_names;
    let attr_names = &cx.attr_names;
    let kind_of = |id: &str| links.index(id).map(|i| &doc.components[i].kind);
    for (i, conn) in doc.connections.iter().enumerate() {
        let s = || Subject::Connection(i, conn.label());
        let from = kind_of(&conn.from);
        let to = kind_of(&conn.to);
        for (field, text) in [
            ("from", conn.from.as_str()),
            ("to", conn.to.as_str()),
            ("rule", conn.rule.as_str()),
            (
                "dead_letter",
                conn.dead_letter.as_deref().unwrap_or_default(),
            ),
        ] {
            if has_unsafe_chars(text) {
                out.push(Severity::Error, s(), unsafe_text(field, text));
            }
        }
        if let Some(f) = &conn.filter {
            let mut texts: Vec<&str> = f.event_types.iter().map(String::as_str).collect();
            for (a, cond) in &f.attributes {
                texts.push(a);
                match cond {
                    super::Condition::Equals(vs) | super::Condition::AnythingBut(vs) => {
                        texts.extend(vs.iter().map(String::as_str));
                    }
                    super::Condition::Prefix(v) => texts.push(v),
                    super::Condition::Exists(_) => {}
                }
            }
            if let Some(t) = texts.into_iter().find(|t| has_unsafe_chars(t)) {
                out.push(Severity::Error, s(), unsafe_text("filter", t));
            }
        }
        if from.is_none() {
            out.push(
                Severity::Error,
                s(),
                format!("starts at unknown component `{}`", printable(&conn.from)),
            );
        }
        if to.is_none() {
            out.push(
                Severity::Error,
                s(),
                format!("ends at unknown component `{}`", printable(&conn.to)),
            );
        }
        for e in link_problems(from, to, conn.kind) {
            out.push(Severity::Error, s(), e);
        }
        if from.is_some()
            && matches!(conn.kind, LinkKind::DeadLetter | LinkKind::OnFailure)
            && conn.filter.is_some()
        {
            out.push(
                Severity::Warning,
                s(),
                "filters on dead-letter links are ignored".into(),
            );
        }
        if !conn.weight.is_finite() || conn.weight < 0.0 {
            out.push(
                Severity::Error,
                s(),
                format!("weight must be finite and >= 0, got {}", conn.weight),
            );
        }
        if let Some(lat) = &conn.latency_ms {
            for e in lat.problems() {
                out.push(Severity::Error, s(), format!("latency_ms: {e}"));
            }
        }
        if let Some(d) = &conn.dead_letter {
            match kind_of(d) {
                None => out.push(
                    Severity::Error,
                    s(),
                    format!("dead_letter names unknown component `{}`", printable(d)),
                ),
                Some(k) if !k.holds_dead_letters() => out.push(
                    Severity::Error,
                    s(),
                    format!(
                        "dead_letter `{}` is {}; it must be a DeadLetterQueue or an SqsQueue",
                        printable(d),
                        k.kind().with_article()
                    ),
                ),
                Some(_) => {}
            }
        }
        let per_target = conn.dead_letter.is_some()
            || conn.retry.is_some()
            || conn.max_event_age.is_some()
            || !conn.rule.is_empty();
        if per_target
            && !matches!(
                from,
                Some(ComponentKind::EventBus(_) | ComponentKind::SnsTopic(_))
            )
        {
            out.push(
                Severity::Warning,
                s(),
                "rule, retry, max_event_age and dead_letter apply only to links from an EventBus or SnsTopic; ignored here".into(),
            );
        }
        if let Some(r) = &conn.retry {
            for e in retry_problems("retry", r) {
                out.push(Severity::Error, s(), e);
            }
        }
        if conn.max_event_age.is_some_and(|a| a.ns == 0) {
            out.push(
                Severity::Error,
                s(),
                "max_event_age must be longer than zero".into(),
            );
        }
        if matches!(from, Some(ComponentKind::EventBus(_))) {
            let retry = conn.retry.clone().unwrap_or_default();
            for e in eventbridge_retry_limits(
                "retry",
                &retry,
                conn.max_event_age.unwrap_or(super::Duration::ZERO),
            ) {
                out.push(Severity::Error, s(), e);
            }
        }
        if let Some(f) = &conn.filter {
            for t in &f.event_types {
                if !type_names.contains(t.as_str()) {
                    out.push(
                        Severity::Warning,
                        s(),
                        format!(
                            "filter names unknown event type `{}`; it never matches",
                            printable(t)
                        ),
                    );
                }
            }
            for a in f.attributes.keys() {
                if !attr_names.contains(a.as_str()) {
                    out.push(
                        Severity::Warning,
                        s(),
                        format!(
                            "filter tests attribute `{}` that no event type has",
                            printable(a)
                        ),
                    );
                }
            }
        }
    }
}

/// The shape of the graph: self-delivery loops and cycles without an exit.
#[expect(
    clippy::too_many_lines,
    reason = "self-delivery loops, then each cycle with the ways out of it"
)]
fn graph_shape(cx: &Cx, out: &mut Found) {
    let doc = cx.doc;
    let links = &cx.links;
    let comp = |id: &str| cx.comp(id);
    let mut self_looped: HashSet<usize> = HashSet::new();
    // successors of each component, each once, in the order the links first appear
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); doc.components.len()];
    let mut edges: HashSet<(usize, usize)> = HashSet::with_capacity(doc.connections.len());
    for conn in &doc.connections {
        // a link into a component that accepts no input (a producer) is an error of its
        // own and carries nothing
        if let (Some(a), Some(b)) = (links.index(&conn.from), links.index(&conn.to))
            && doc.components[b].kind.accepts_input()
            && edges.insert((a, b))
        {
            succ[a].push(b);
        }
    }
    for c in &doc.components {
        let Some(i) = links.index(&c.id) else {
            continue;
        };
        let out_links = &links.out[i];
        let delivery = || {
            out_links
                .iter()
                .map(|&k| &doc.connections[k])
                .filter(|k| k.kind == LinkKind::Delivery)
        };
        let has_in = links.has_in[i];
        let has_out = delivery().next().is_some();
        // every consumer of a stream reads each shard through `parallelization_factor`
        // lanes of its own
        let lanes = match &c.kind {
            ComponentKind::KinesisStream(p) => Some((p.shards, p.parallelization_factor)),
            ComponentKind::KafkaTopic(p) => Some((p.shards, p.parallelization_factor)),
            ComponentKind::DynamoDbTable(t) if t.stream => {
                Some((t.stream_shards, t.consumer.parallelization_factor))
            }
            _ => None,
        };
        if let Some((shards, pf)) = lanes {
            let consumers = delivery().filter(|k| links.index(&k.to).is_some()).count() as u64;
            let n = u64::from(shards) * u64::from(pf) * consumers;
            if n > MAX_STREAM_LANES {
                out.push(
                    Severity::Error,
                    comp(&c.id),
                    format!(
                        "{shards} shards x parallelization factor {pf} x {consumers} consumers make {n} readers; at most {MAX_STREAM_LANES} are supported"
                    ),
                );
            }
        }
        let routing = match &c.kind {
            ComponentKind::Producer(p) => Some(p.routing),
            ComponentKind::Station(st) => Some(st.routing),
            _ => None,
        };
        if routing == Some(Routing::Split)
            && delivery().nth(1).is_some()
            && delivery().all(|k| k.weight <= 0.0)
        {
            out.push(
                Severity::Warning,
                comp(&c.id),
                "split routing with every link weight zero; the last matching link takes everything".into(),
            );
        }
        let has_dead_letter_link = out_links
            .iter()
            .any(|&k| doc.connections[k].kind == LinkKind::DeadLetter);
        if let ComponentKind::SqsQueue(q) = &c.kind {
            if has_dead_letter_link && q.max_receive_count.is_none() {
                out.push(
                    Severity::Warning,
                    comp(&c.id),
                    "has a dead-letter link but no max_receive_count, so nothing ever moves to it (set max_receive_count, e.g. 5)".into(),
                );
            }
            if !has_dead_letter_link && q.max_receive_count.is_some() {
                out.push(
                    Severity::Warning,
                    comp(&c.id),
                    "max_receive_count is set but there is no dead-letter link; messages that reach it are lost".into(),
                );
            }
        }
        if let ComponentKind::Firehose(f) = &c.kind
            && let Some(t) = &f.transform
        {
            match links.index(t).map(|x| &doc.components[x].kind) {
                Some(ComponentKind::Lambda(_)) => {}
                Some(k) => out.push(
                    Severity::Error,
                    comp(&c.id),
                    format!(
                        "transform `{}` is {}; it must be a Lambda",
                        printable(t),
                        k.kind().with_article()
                    ),
                ),
                None => out.push(
                    Severity::Error,
                    comp(&c.id),
                    format!("transform names unknown component `{}`", printable(t)),
                ),
            }
        }
        if let ComponentKind::ContainerService(cs) = &c.kind
            && let Some(a) = &cs.autoscale
            && let crate::model::aws::ScaleMetric::QueueDepth { queue } = &a.metric
            && !queue.is_empty()
            && links.index(queue).is_none()
        {
            out.push(
                Severity::Error,
                comp(&c.id),
                format!(
                    "autoscale.metric: QueueDepth reads unknown component `{}`",
                    printable(queue)
                ),
            );
        }
        if c.kind.is_source() && !has_out {
            out.push(
                Severity::Error,
                comp(&c.id),
                "producer has no outgoing connection; its events go nowhere".into(),
            );
        }
        if c.kind.accepts_input() && !has_in {
            out.push(
                Severity::Warning,
                comp(&c.id),
                "receives nothing: no connection leads here".into(),
            );
        }
        let self_links: Vec<usize> = out_links
            .iter()
            .copied()
            .filter(|&k| doc.connections[k].to == c.id)
            .collect();
        if let Some((k, message)) = self_loop(c, &self_links, doc, delivery().collect()) {
            self_looped.insert(i);
            out.push(
                Severity::Error,
                Subject::Connection(k, doc.connections[k].label()),
                message,
            );
        }
    }
    for scc in strongly_connected(&succ) {
        let cyclic = scc.len() > 1 || scc.iter().any(|&n| edges.contains(&(n, n)));
        if !cyclic || (scc.len() == 1 && self_looped.contains(&scc[0])) {
            continue; // a component looping into itself is reported above, at its link
        }
        let members: BTreeSet<usize> = scc.iter().copied().collect();
        let mut names_in: Vec<&str> = members
            .iter()
            .map(|&m| doc.components[m].display_name())
            .collect();
        names_in.sort_unstable();
        let names_in = printable(&names_in.join(", ")).into_owned();
        let has_exit = members.iter().any(|&m| {
            succ[m].iter().any(|n| !members.contains(n))
                || doc.components[m].kind.can_dead_letter() && !matches!(&doc.components[m].kind, ComponentKind::Station(s) if s.fail_prob == 0.0 && s.timeout.is_none() && s.max_age.is_none() && s.queue_capacity.is_none())
        });
        let subject = comp(&doc.components[*members.iter().next().unwrap_or(&0)].id);
        // a station copying its output to several delivery links, one of them in the
        // cycle (dead-letter and on-failure links take failures, not copies)
        let copies_into_cycle = |m: usize| {
            let targets = || {
                links.out[m]
                    .iter()
                    .map(|&k| &doc.connections[k])
                    .filter(|k| k.kind == LinkKind::Delivery)
                    .filter_map(|k| links.index(&k.to))
                    .filter(|&t| doc.components[t].kind.accepts_input())
            };
            matches!(&doc.components[m].kind, ComponentKind::Station(s) if s.routing == Routing::FanOut)
                && targets().any(|t| members.contains(&t))
                && targets().nth(1).is_some()
        };
        if !has_exit {
            out.push(
                Severity::Error,
                subject,
                format!("cycle with no exit: {names_in} pass events round forever"),
            );
        } else if members.iter().any(|&m| copies_into_cycle(m)) {
            out.push(
                Severity::Warning,
                subject,
                format!("fan-out inside the cycle {names_in} multiplies events on every lap"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::from_ron_str;

    fn problems(text: &str) -> Vec<String> {
        validate(&from_ron_str(text).unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_clean_document_has_no_problems() {
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1.0))),
            (id: "s", kind: Station(servers: 1, service_ms: Exponential(mean: 100.0))),
        ], connections: [(from: "p", to: "s")])"#,
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: -3.0))),
            (id: "s", name: "Orders", kind: Station(servers: 0, service_ms: Exponential(mean: 100.0))),
            (id: "k", kind: Sink()),
            (id: "lonely", kind: Sink()),
        ], connections: [
            (from: "p", to: "s"),
            (from: "s", to: "nowhere"),
            (from: "k", to: "s", kind: DeadLetter),
        ])"#,
        );
        let all = p.join("\n");
        assert!(
            all.contains(
                "error: component `p`: arrivals: rate_per_s must be a finite rate >= 0, got -3"
            ),
            "{all}"
        );
        assert!(
            all.contains("error: component `Orders`: servers must be at least 1"),
            "{all}"
        );
        assert!(
            all.contains(
                "error: connection #2 `s -> nowhere`: ends at unknown component `nowhere`"
            ),
            "{all}"
        );
        assert!(
            all.contains("error: connection #3 `k -> s (dead-letter)`: a Sink cannot dead-letter"),
            "{all}"
        );
        assert!(
            all.contains("warning: component `lonely`: receives nothing"),
            "{all}"
        );
        // errors come before warnings
        let first_warning = p.iter().position(|l| l.starts_with("warning")).unwrap();
        assert!(p[first_warning..].iter().all(|l| l.starts_with("warning")));
    }

    #[test]
    fn warns_about_split_with_zero_weights() {
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer(routing: Split)),
            (id: "a", kind: Sink()),
            (id: "b", kind: Sink()),
        ], connections: [(from: "p", to: "a", weight: 0.0), (from: "p", to: "b", weight: 0.0)])"#,
        );
        assert!(
            p.iter().any(|l| l.contains("every link weight zero")),
            "{p:?}"
        );
    }

    #[test]
    fn finds_cycles_without_exit() {
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "a", kind: Station()),
            (id: "b", kind: Station()),
        ], connections: [(from: "p", to: "a"), (from: "a", to: "b"), (from: "b", to: "a")])"#,
        );
        assert!(
            p.iter().any(|l| l.contains("cycle with no exit: a, b")),
            "{p:?}"
        );
    }

    #[test]
    fn refuses_runs_that_would_never_end() {
        let p = problems(
            r#"(scenario: (duration: "100d"), components: [
            (id: "p", kind: Producer(arrivals: Poisson(rate_per_s: 1e8))),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "k")])"#,
        );
        assert!(
            p.iter().any(|l| l.contains("would generate about")),
            "{p:?}"
        );
    }

    fn errors(text: &str) -> Vec<String> {
        problems(text)
            .into_iter()
            .filter(|l| l.starts_with("error"))
            .collect()
    }

    /// A bus `b` fed by `p` with the given links (RON connection entries).
    fn bus(links: &str) -> String {
        format!(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "b", kind: EventBus()),
            (id: "k1", kind: Sink()), (id: "k2", kind: Sink()), (id: "k3", kind: Sink()),
            (id: "k4", kind: Sink()), (id: "k5", kind: Sink()), (id: "k6", kind: Sink()),
        ], connections: [(from: "p", to: "b"), {links}])"#
        )
    }

    #[test]
    fn a_rule_with_more_targets_than_eventbridge_allows_is_an_error() {
        let six: Vec<String> = (1..=6)
            .map(|i| format!(r#"(from: "b", to: "k{i}", rule: "all")"#))
            .collect();
        let e = errors(&bus(&six.join(", ")));
        assert_eq!(
            e,
            [
                "error: component `b`: rule `all` has 6 targets; EventBridge allows at most 5 per rule (a hard limit)"
            ],
            "{e:?}"
        );
        // five are fine, and so are six links each a rule of its own
        assert!(errors(&bus(&six[..5].join(", "))).is_empty());
        let own: Vec<String> = (1..=6)
            .map(|i| format!(r#"(from: "b", to: "k{i}")"#))
            .collect();
        assert!(errors(&bus(&own.join(", "))).is_empty());
    }

    #[test]
    fn targets_of_one_rule_with_different_filters_are_an_error() {
        let e = errors(&bus(
            r#"(from: "b", to: "k1", rule: "r", filter: (event_types: ["a"])),
               (from: "b", to: "k2", rule: "r"),
               (from: "b", to: "k3", rule: "r", filter: (event_types: ["b"]))"#,
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "error: connection #4 `b -> k3`: rule `r` has targets with different filters"
            ),
            "{e:?}"
        );
        // the same filter twice, or one filter for the rule, is fine
        assert!(
            errors(&bus(
                r#"(from: "b", to: "k1", rule: "r", filter: (event_types: ["a"])),
                   (from: "b", to: "k2", rule: "r", filter: (event_types: ["a"]))"#
            ))
            .is_empty()
        );
    }

    #[test]
    fn lambda_consumers_of_a_queue_bound_its_max_concurrency() {
        let queue = |mc: u32, consumer: &str| {
            errors(&format!(
                r#"(components: [
                (id: "p", kind: Producer()),
                (id: "q", kind: SqsQueue(max_concurrency: {mc})),
                (id: "c", kind: {consumer}),
            ], connections: [(from: "p", to: "q"), (from: "q", to: "c")])"#
            ))
        };
        for mc in [1, 1001, u32::MAX] {
            let e = queue(mc, "Lambda()");
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(
                e[0].contains(&format!(
                    "component `q`: max_concurrency must be between 2 and 1000 when a Lambda function consumes the queue (event-source mapping MaximumConcurrency), got {mc}"
                )),
                "{e:?}"
            );
        }
        assert!(queue(2, "Lambda()").is_empty());
        assert!(queue(1000, "Lambda()").is_empty());
        // other consumers are pollers of our own: one is fine
        assert!(queue(1, "Station()").is_empty());
    }

    #[test]
    fn a_producer_of_weightless_event_types_is_an_error() {
        let e = errors(
            r#"(event_types: [(name: "a", weight: 0.0), (name: "b")], components: [
            (id: "p", kind: Producer(event_types: ["a"])),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "k")])"#,
        );
        assert_eq!(
            e,
            [
                "error: component `p`: emits only event types of weight zero, so it has nothing to send"
            ]
        );
    }

    #[test]
    fn a_distribution_that_cannot_be_sampled_is_an_error() {
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "s", kind: Station(service_ms: Gamma(shape: 1e10, mean: 1e-320))),
            (id: "e", kind: Station(service_ms: Erlang(k: 4000000000, mean: 1e-320))),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "e")])"#,
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e.iter()
                .all(|l| l.contains("must be a positive finite number")),
            "{e:?}"
        );
    }

    /// `p -> x -> k` with `x` of the given kind (RON).
    fn through(kind: &str) -> Vec<String> {
        errors(&format!(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "x", kind: {kind}),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "x"), (from: "x", to: "k")])"#
        ))
    }

    #[test]
    fn counts_that_size_memory_have_a_documented_maximum() {
        for (kind, says) in [
            (
                "KinesisStream(shards: 4294967295)",
                "4294967295 shards is more than the supported 100000",
            ),
            (
                "KafkaTopic(shards: 100001)",
                "100001 shards is more than the supported 100000",
            ),
            (
                "DynamoDbTable(stream: true, stream_shards: 4294967295)",
                "stream_shards (4294967295) is more than the supported 100000",
            ),
            (
                "KinesisStream(shards: 100000, parallelization_factor: 10)",
                "100000 shards x parallelization factor 10 x 1 consumers make 1000000 readers",
            ),
            (
                "Station(servers: 1000001)",
                "1000001 servers is more than the supported 1000000",
            ),
            (
                "Lambda(reserved_concurrency: 4294967295)",
                "reserved_concurrency (4294967295) is more than the supported 1000000",
            ),
            (
                "SqsQueue(max_concurrency: 4294967295)",
                "max_concurrency (4294967295) is more than the supported 1000000 pollers",
            ),
            (
                "ContainerService(replicas: 1, concurrency_per_replica: 10000, autoscale: (max_replicas: 100000))",
                "replicas x concurrency_per_replica is more than the supported 100000000",
            ),
        ] {
            let e = through(kind);
            if says.contains("1000000 readers") {
                // exactly at the limit is fine
                assert!(e.is_empty(), "{kind}: {e:?}");
                continue;
            }
            assert!(e.iter().any(|l| l.contains(says)), "{kind}: {e:?}");
        }
        // two consumers read every shard: twice the readers
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "x", kind: KinesisStream(shards: 50001, parallelization_factor: 10)),
            (id: "k", kind: Sink()), (id: "k2", kind: Sink()),
        ], connections: [(from: "p", to: "x"), (from: "x", to: "k"), (from: "x", to: "k2")])"#,
        );
        assert!(
            e.iter()
                .any(|l| l.contains("x 2 consumers make 1000020 readers; at most 1000000")),
            "{e:?}"
        );
        let e = errors(
            r#"(account: (lambda_concurrency: 1000001), components: [
            (id: "p", kind: Producer()), (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "k")])"#,
        );
        assert!(
            e[0].contains(
                "account.lambda_concurrency (1000001) is more than the supported 1000000"
            ),
            "{e:?}"
        );
        // the adjustable Kinesis quota only warns
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer()), (id: "x", kind: KinesisStream(shards: 20001)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "x"), (from: "x", to: "k")])"#,
        );
        assert!(
            p.iter()
                .any(|l| l.starts_with("warning") && l.contains("above the default account quota")),
            "{p:?}"
        );
    }

    #[test]
    fn eventbridge_hard_limits_are_errors_like_lambdas() {
        let e = through(r#"EventBus(retry: (max_attempts: 187), max_event_age: "25h")"#);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].contains("retry.max_attempts 187 is more than EventBridge allows"),
            "{e:?}"
        );
        assert!(
            e[1].contains("max_event_age must be between 60s and 24h"),
            "{e:?}"
        );
        assert!(!through(r#"EventBus(max_event_age: "30s")"#).is_empty());
        // the same limits on a target's own policy
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()), (id: "b", kind: EventBus()), (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "b"),
            (from: "b", to: "k", retry: (max_attempts: 1000), max_event_age: "2d")])"#,
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e.iter()
                .all(|l| l.starts_with("error: connection #2 `b -> k`")),
            "{e:?}"
        );
    }

    /// `p -> x` plus the given extra links, with `x` of the given kind and a sink `k`.
    fn looped(kind: &str, links: &str) -> Vec<String> {
        errors(&format!(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "x", name: "X", kind: {kind}),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "x"), {links}])"#
        ))
    }

    #[test]
    fn a_service_delivering_to_itself_is_an_error() {
        for (kind, link, says) in [
            (
                "SqsQueue()",
                r#"(from: "x", to: "x")"#,
                "SqsQueue `X` delivers to itself",
            ),
            (
                "S3Bucket()",
                r#"(from: "x", to: "x")"#,
                "S3Bucket `X` delivers to itself",
            ),
            (
                "Lambda()",
                r#"(from: "x", to: "x")"#,
                "Lambda `X` delivers to itself",
            ),
            (
                "SnsTopic()",
                r#"(from: "x", to: "x")"#,
                "SnsTopic `X` delivers to itself",
            ),
            (
                "EventBus()",
                r#"(from: "x", to: "x")"#,
                "EventBus `X` delivers to itself",
            ),
            (
                "Lambda()",
                r#"(from: "x", to: "x", kind: OnFailure)"#,
                "Lambda `X` sends what fails back into itself",
            ),
            (
                "SqsQueue(max_receive_count: 3)",
                r#"(from: "x", to: "x", kind: DeadLetter)"#,
                "SqsQueue `X` sends what fails back into itself",
            ),
        ] {
            let e = looped(kind, &format!(r#"(from: "x", to: "k"), {link}"#));
            assert_eq!(e.len(), 1, "{kind} {link}: {e:?}");
            assert!(e[0].starts_with("error: connection #3 `x -> x"), "{e:?}");
            assert!(e[0].contains(says), "{e:?}");
        }
    }

    #[test]
    fn a_station_feeding_back_into_itself_is_fine_unless_it_never_ends() {
        // a Jackson feedback loop: half the output comes back, two laps on average
        let feedback = |w: &str| {
            looped(
                "Station(routing: Split)",
                &format!(r#"(from: "x", to: "x", weight: {w}), (from: "x", to: "k")"#),
            )
        };
        assert!(feedback("1.0").is_empty());
        assert!(feedback("999999.0").is_empty(), "1e6 laps is the limit");
        let e = feedback("1e9");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("error: connection #2 `x -> x`: Station `X` splits 0.999999999 of its output back into itself, so a message makes about 1.000e9 laps"),
            "{e:?}"
        );
        let e = looped("Station(routing: Split)", r#"(from: "x", to: "x")"#);
        assert!(
            e[0].contains("splits all of its output back into itself"),
            "{e:?}"
        );
        // fan-out copies everything back
        let e = looped("Station()", r#"(from: "x", to: "k"), (from: "x", to: "x")"#);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("Station `X` sends a copy of everything"),
            "{e:?}"
        );
        // failures sent back into a station where every attempt fails never leave
        let e = looped(
            "Station(fail_prob: 1.0)",
            r#"(from: "x", to: "k"), (from: "x", to: "x", kind: OnFailure)"#,
        );
        assert!(e[0].contains("sends what fails back into itself"), "{e:?}");
        assert!(
            looped(
                "Station(fail_prob: 0.5)",
                r#"(from: "x", to: "k"), (from: "x", to: "x", kind: OnFailure)"#,
            )
            .is_empty()
        );
    }

    #[test]
    fn no_false_fan_out_warnings() {
        // a failure self-link is not fan-out
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "s", kind: Station(fail_prob: 0.1)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "k"),
            (from: "s", to: "s", kind: OnFailure)])"#,
        );
        assert!(p.iter().all(|l| !l.contains("fan-out")), "{p:?}");
        // a link back into a producer is an error, not a cycle
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "s", kind: Station()),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "s"), (from: "s", to: "k"), (from: "s", to: "p")])"#,
        );
        assert!(p.iter().all(|l| !l.contains("fan-out")), "{p:?}");
        assert!(
            p.iter().any(|l| l.contains("a Producer accepts no input")),
            "{p:?}"
        );
        // a real one still warns
        let p = problems(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "a", kind: Station()),
            (id: "b", kind: Station(routing: Split)),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "a"), (from: "a", to: "b"), (from: "a", to: "k"),
            (from: "b", to: "a"), (from: "b", to: "k")])"#,
        );
        assert!(
            p.iter()
                .any(|l| l.contains("fan-out inside the cycle a, b")),
            "{p:?}"
        );
    }

    #[test]
    fn a_repeated_id_is_one_error() {
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "k", kind: Sink()),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "k")])"#,
        );
        assert_eq!(
            e,
            ["error: component `k`: id `k` is used by more than one component"]
        );
        // two components that share a name (but not an id) are still an error
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "a", name: "same", kind: Sink()),
            (id: "b", name: "same", kind: Sink()),
        ], connections: [(from: "p", to: "a"), (from: "p", to: "b")])"#,
        );
        assert_eq!(
            e,
            ["error: component `same`: name is used by more than one component"]
        );
    }

    #[test]
    fn kinds_take_the_right_article() {
        let e = errors(
            r#"(components: [
            (id: "p", kind: Producer()),
            (id: "b", kind: EventBus()),
            (id: "t", kind: SnsTopic()),
            (id: "k", kind: Sink()),
        ], connections: [(from: "p", to: "b"), (from: "b", to: "k", dead_letter: "t"),
            (from: "b", to: "b", kind: DeadLetter)])"#,
        );
        let all = e.join("\n");
        assert!(all.contains("dead_letter `t` is an SnsTopic;"), "{all}");
        assert!(
            all.contains("must end at a DeadLetterQueue or an SqsQueue, not an EventBus"),
            "{all}"
        );
        assert!(!all.contains("a EventBus"), "{all}");
    }

    /// A document whose only problem is `text` written at `at` (a RON fragment with `{}`
    /// where the hostile text goes).
    fn hostile(at: &str, text: &str) -> Vec<Problem> {
        let ron = at.replace("{}", text);
        validate(&from_ron_str(&ron).unwrap())
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect()
    }

    #[test]
    fn control_characters_are_refused_and_never_printed() {
        let osc = r"\u{1b}]0;owned\u{7}";
        let shown = r"\u{1b}]0;owned\u{7}";
        let design = |name: &str, event: &str, link: &str| {
            format!(
                r#"(name: "d", event_types: [{event}], components: [
                (id: "p", kind: Producer()),
                (id: "b", name: "{name}", kind: EventBus()),
                (id: "k", kind: Sink()),
            ], connections: [(from: "p", to: "b"), (from: "b", to: "k"{link})])"#
            )
        };
        for (at, what) in [
            (design("{}", r#"(name: "e")"#, ""), "name"),
            (design("bus", r#"(name: "{}")"#, ""), "name"),
            (
                design("bus", r#"(name: "e", attributes: {"{}": [("v", 1.0)]})"#, ""),
                "attribute name",
            ),
            (
                design("bus", r#"(name: "e", attributes: {"a": [("{}", 1.0)]})"#, ""),
                "value of attribute `a`",
            ),
            (design("bus", r#"(name: "e")"#, r#", rule: "{}""#), "rule"),
            (
                design(
                    "bus",
                    r#"(name: "e")"#,
                    r#", filter: (attributes: {"a": Equals(["{}"])})"#,
                ),
                "filter",
            ),
            (
                r#"(components: [(id: "p", kind: Producer())], connections: [(from: "p", to: "{}")])"#
                    .to_owned(),
                "to",
            ),
            (
                r#"(components: [(id: "{}", kind: Producer())])"#.to_owned(),
                "id",
            ),
        ] {
            let e = hostile(&at, osc);
            assert!(!e.is_empty(), "{at}");
            let said: Vec<String> = e.iter().map(ToString::to_string).collect();
            let all = said.join("\n");
            assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
            assert!(all.contains(shown), "{all}");
            assert!(
                all.contains(&format!("{what} `{shown}`")),
                "{what}: {all}"
            );
        }
    }

    #[test]
    fn a_long_chain_needs_no_deep_stack() {
        // 100,000 stations in a row, the last feeding back into the first: the cycle
        // search walks the whole chain without recursion (a test thread has a small stack)
        use crate::model::{Component, Connection, Producer, Station};
        let n = 100_000;
        let mut doc = Document::default();
        doc.components.push(Component {
            id: "p".into(),
            name: String::new(),
            kind: ComponentKind::Producer(Producer::default()),
        });
        for i in 0..n {
            doc.components.push(Component {
                id: format!("s{i}"),
                name: String::new(),
                kind: ComponentKind::Station(Station::default()),
            });
            let from = if i == 0 {
                "p".to_owned()
            } else {
                format!("s{}", i - 1)
            };
            doc.connections
                .push(Connection::new(&from, &format!("s{i}")));
        }
        doc.connections
            .push(Connection::new(&format!("s{}", n - 1), "s0"));
        let p = validate(&doc);
        assert_eq!(p.len(), 1, "{:?}", &p[..p.len().min(3)]);
        assert!(
            p[0].message.starts_with("cycle with no exit: s0, s1, s10"),
            "{}",
            p[0]
        );
    }
}
