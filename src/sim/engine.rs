//! The event loop: the message slab, the compiled links, the engine state [`Core`] and
//! the [`Simulation`] a caller builds, steps and reads. The calendar is in
//! `calendar.rs`; what behaviours see and implement ([`Ctx`], [`Behaviour`]) in
//! `ctx.rs`; the typed handles in `ids.rs`; timers in `timer.rs`.

use std::collections::VecDeque;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rand::SeedableRng;

use super::SimTime;
use super::calendar::{Calendar, EventKind};
pub use super::ctx::{Behaviour, Ctx};
pub use super::ids::{CallId, CompId, LinkId, MsgId};
use super::metrics::{ComponentMetrics, LatencyStat};
use super::sample::{Sampler, SimRng};
use super::timer::Fired;
use crate::model::work::MAX_MESSAGE_HOPS;
use crate::model::{Document, Kind, Routing, printable};

/// Why an event was given up on; carried to dead-letter queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum FailReason {
    /// Still healthy.
    None = 0,
    /// The last attempt returned an error.
    Error = 1,
    /// The last attempt timed out.
    Timeout = 2,
    /// Throttled until the retry budget ran out.
    Throttled = 3,
    /// Older than the allowed event age.
    Expired = 4,
}

impl FailReason {
    /// Lowercase name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::None => "none",
            FailReason::Error => "error",
            FailReason::Timeout => "timeout",
            FailReason::Throttled => "throttled",
            FailReason::Expired => "expired",
        }
    }
}

/// How an event's life ended, for the conservation ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Reached a terminal consumer.
    Delivered,
    /// Matched no outgoing link.
    Filtered,
    /// Refused by a throttle.
    Rejected,
    /// Refused by a full buffer.
    Dropped,
    /// Too old.
    Expired,
    /// Gave up with nowhere to dead-letter.
    Failed,
    /// Stored in a dead-letter queue.
    DeadLettered,
}

/// One event travelling through the graph.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    /// When the producer created it.
    pub created: SimTime,
    /// Index of the producer component ([`FREE`] while the slot is unused).
    pub origin: CompId,
    /// Index into the run's event types.
    pub etype: u16,
    /// Value index of each attribute slot of its event type.
    pub attrs: [u8; 8],
    /// Payload size in bytes.
    pub size: u32,
    /// Attempts made at the current component.
    pub attempt: u16,
    /// Why it failed last, if it did.
    pub reason: FailReason,
    /// When it reached the current component.
    pub arrived: SimTime,
    /// When it (re)joined the current component's buffer.
    pub enqueued: SimTime,
    /// When its current attempt started service.
    pub started: SimTime,
    /// The component that sent it along its last link (refusals go back there).
    pub from: CompId,
    /// Partition key / message group, drawn by the producer's key space ([`NO_KEY`]
    /// when it has none).
    pub key: u32,
    /// Refused sends of the current hop, kept by a sender that retries refusals; reset
    /// when a component forwards the message on.
    pub sends: u16,
}

/// [`Message::key`] of events without a partition key.
pub const NO_KEY: u32 = u32::MAX;

/// How a synchronous call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// Not answered yet.
    Pending,
    /// Every message was processed.
    Ok,
    /// The invocation failed (an error or a timeout); returned messages were not
    /// processed.
    Failed(FailReason),
    /// Refused for lack of capacity (HTTP 429, Lambda TooManyRequests); nothing ran.
    Throttled,
    /// The callee has no free slot right now; nothing ran and nothing is billed. The
    /// caller may [`Ctx::wait_for`] it.
    Busy,
}

/// What the callee does with the messages of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallMode {
    /// All or nothing: on success the callee keeps every message and sends it on; if
    /// any part fails it hands the whole batch back and sends nothing on (API Gateway
    /// -> Lambda, SQS -> Lambda without partial batch responses).
    Consume,
    /// Partial batch response: the callee keeps and sends on what succeeded and hands
    /// back only the messages that failed (SQS / Kinesis event-source mappings with
    /// ReportBatchItemFailures).
    ConsumePartial,
    /// The callee processes them and hands them back in the reply (Firehose record
    /// transformation).
    Transform,
}

/// A synchronous call: a batch of messages handed to a callee that answers.
pub(crate) struct Call {
    pub(super) caller: CompId,
    pub(super) token: u64,
    pub(super) mode: CallMode,
    /// Messages travelling with the call: to the callee, then back to the caller.
    pub(super) msgs: Vec<MsgId>,
    pub(super) status: CallStatus,
    /// Messages the callee processed successfully (and kept).
    pub(super) processed: u32,
    pub(super) live: bool,
}

/// The answer to a call, as the caller reads it.
#[derive(Debug)]
pub struct Reply {
    /// How it ended.
    pub status: CallStatus,
    /// The caller's own token given to [`Ctx::invoke`].
    pub token: u64,
    /// Messages handed back (failed, throttled or transformed), now the caller's again.
    pub returned: Vec<MsgId>,
    /// How many messages the callee processed and kept.
    pub processed: u32,
}

/// Marks a free slab slot.
pub const FREE: CompId = CompId::new(u32::MAX);

/// The messages alive, in slots reused once free.
#[derive(Default)]
pub(super) struct Slab {
    pub(super) items: Vec<Message>,
    /// Per slot: times the message (or the message it was copied from) was handed on
    /// along a link inside a loop. Kept beside the messages so they stay 64 bytes.
    pub(super) hops: Vec<u32>,
    /// Per slot: the event's identity ([`Ctx::ident`]), kept beside the messages for the
    /// same reason.
    pub(super) idents: Vec<u64>,
    free: Vec<MsgId>,
    pub(super) live: u64,
}

impl Slab {
    pub(super) fn alloc(&mut self, m: Message, hops: u32, ident: u64) -> MsgId {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.items[id] = m;
            self.hops[id] = hops;
            self.idents[id] = ident;
            id
        } else {
            self.items.push(m);
            self.hops.push(hops);
            self.idents.push(ident);
            MsgId::at(self.items.len() - 1)
        }
    }

    pub(super) fn release(&mut self, id: MsgId) {
        self.items[id].origin = FREE;
        self.free.push(id);
        self.live -= 1;
    }
}

/// One attribute condition of a compiled filter: the attribute's slot in the event type
/// (`None` when the type lacks it), the mask of accepted value indices, and whether the
/// condition holds when the attribute is absent.
pub(crate) type CompiledCondition = (Option<u8>, u64, bool);

/// A filter compiled per event type: `None` where the type is not accepted.
pub(crate) type CompiledFilter = Vec<Option<Vec<CompiledCondition>>>;

/// A compiled link.
pub(crate) struct Link {
    pub target: CompId,
    pub weight: f64,
    pub latency: Option<Sampler>,
    /// Per event type: `None` = type not accepted; otherwise conditions
    /// `(slot or None when the type lacks the attribute, accepted-values mask, holds when absent)`.
    pub filter: Option<CompiledFilter>,
}

impl Link {
    #[inline]
    pub(super) fn matches(&self, m: &Message) -> bool {
        let Some(per_type) = &self.filter else {
            return true;
        };
        let Some(Some(conds)) = per_type.get(usize::from(m.etype)) else {
            return false;
        };
        conds.iter().all(|(slot, mask, absent_ok)| match slot {
            Some(s) => mask & (1u64 << m.attrs[usize::from(*s)]) != 0,
            None => *absent_ok,
        })
    }
}

/// Outgoing links of one component.
#[derive(Default)]
pub(crate) struct Outputs {
    pub delivery: Vec<LinkId>,
    pub failure: Vec<LinkId>,
    pub routing: Routing,
}

/// Conservation ledger of one producer: where its events went. `C` is the type of a
/// count (`u64` for a run, [`super::Count`] for replications combined).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LedgerRow<C = u64> {
    /// Events created.
    pub produced: C,
    /// Extra copies made by fan-out.
    pub copies: C,
    /// Reached a terminal consumer.
    pub delivered: C,
    /// Matched no outgoing link.
    pub filtered: C,
    /// Refused by a throttle.
    pub rejected: C,
    /// Refused by a full buffer.
    pub dropped: C,
    /// Expired in a buffer.
    pub expired: C,
    /// Gave up with nowhere to dead-letter.
    pub failed: C,
    /// Stored in a dead-letter queue.
    pub dead_lettered: C,
    /// Still inside the system at the end.
    pub in_flight: C,
    /// produced + copies = everything else.
    pub balanced: bool,
}

impl LedgerRow {
    /// Sum of the outcomes including in-flight.
    #[must_use]
    pub fn accounted(&self) -> u64 {
        self.delivered
            + self.filtered
            + self.rejected
            + self.dropped
            + self.expired
            + self.failed
            + self.dead_lettered
            + self.in_flight
    }
}

/// A compiled event type.
pub(crate) struct EventTypeRt {
    pub size: Sampler,
    /// Per attribute slot: name, values, cumulative weights.
    pub attrs: Vec<(String, Vec<String>, Vec<f64>)>,
}

/// Latency from one producer to one terminal component.
pub(crate) struct EndToEnd {
    pub origin: CompId,
    pub stat: LatencyStat,
}

/// Engine state shared by all behaviours; they reach it through [`Ctx`].
pub struct Core {
    pub(crate) now: SimTime,
    pub(crate) end: SimTime,
    calendar: Calendar,
    pub(super) slab: Slab,
    pub(crate) rngs: Vec<SimRng>,
    /// Per component: the hash of its id ([`stream_id`]) that keys its random stream and
    /// the identities of the events it creates.
    pub(crate) stream_ids: Vec<u64>,
    pub(crate) metrics: Vec<ComponentMetrics>,
    pub(crate) outputs: Vec<Outputs>,
    pub(crate) links: Vec<Link>,
    /// Per link: messages sent along it (hand-offs and the messages of calls), whole run.
    pub(crate) link_sent: Vec<u64>,
    pub(crate) ledger: Vec<LedgerRow>,
    pub(crate) e2e: Vec<Vec<EndToEnd>>,
    pub(crate) event_types: Vec<EventTypeRt>,
    pub(crate) events: u64,
    pub(super) scratch: Vec<LinkId>,
    pub(super) calls: Vec<Call>,
    pub(super) free_calls: Vec<CallId>,
    /// Shared concurrency pools: (limit, in use).
    pub(crate) pools: Vec<(u64, u64)>,
    /// Per component: components waiting for it to have a free slot.
    pub(super) waiters: Vec<Vec<CompId>>,
    /// Per component: whether it wants refused messages back.
    pub(crate) wants_bounces: Vec<bool>,
    /// The call whose messages are being delivered one by one by the default
    /// [`Behaviour::on_invoke`]; refusals go into it.
    pub(super) current_call: Option<CallId>,
    /// Per component: its kind (for behaviours that adapt to their neighbours).
    pub(crate) kinds: Vec<Kind>,
    /// Per component: its loop (strongly connected component of the link graph), or
    /// [`NO_LOOP`] when no cycle of links passes through it.
    pub(super) scc: Vec<u32>,
    /// Per link: whether it joins two components of the same loop.
    pub(super) link_in_loop: Vec<bool>,
    /// Most hand-offs inside loops in one message's life ([`MAX_MESSAGE_HOPS`]).
    pub(super) hop_limit: u32,
    /// The hand-off (from, to) and the message's creation time where a message reached
    /// the hop limit; the run stops after the current event.
    pub(super) looped: Option<(CompId, CompId, SimTime)>,
}

/// [`Core::scc`] of a component on no cycle.
const NO_LOOP: u32 = u32::MAX;

impl Core {
    #[inline]
    pub(super) fn push(&mut self, time: SimTime, target: CompId, kind: EventKind) {
        self.calendar.push(self.now, time, target, kind);
    }

    /// Count one hand-off of message `id` from `from` to `to` along a loop.
    #[inline]
    pub(super) fn hop(&mut self, id: MsgId, from: CompId, to: CompId) {
        let h = &mut self.slab.hops[id];
        *h += 1;
        if *h >= self.hop_limit && self.looped.is_none() {
            self.looped = Some((from, to, self.slab.items[id].created));
        }
    }

    /// Whether a hand-off from `from` to `to` without a link stays inside a loop.
    #[inline]
    pub(super) fn in_loop(&self, from: CompId, to: CompId) -> bool {
        let s = self.scc[from];
        s != NO_LOOP && self.scc.get(to.index()) == Some(&s)
    }

    pub(super) fn terminate(&mut self, id: MsgId, outcome: Outcome) {
        let origin = self.slab.items[id].origin;
        let row = &mut self.ledger[origin];
        match outcome {
            Outcome::Delivered => row.delivered += 1,
            Outcome::Filtered => row.filtered += 1,
            Outcome::Rejected => row.rejected += 1,
            Outcome::Dropped => row.dropped += 1,
            Outcome::Expired => row.expired += 1,
            Outcome::Failed => row.failed += 1,
            Outcome::DeadLettered => row.dead_lettered += 1,
        }
        self.slab.release(id);
    }
}

/// A built simulation of one document with one seed.
pub struct Simulation {
    pub(crate) core: Core,
    behaviours: Vec<Box<dyn Behaviour>>,
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<Kind>,
    pub(crate) seed: u64,
    pub(crate) warmup: SimTime,
    warm_done: bool,
    pub(crate) bucket: SimTime,
    next_bucket: SimTime,
    pub(crate) buckets_closed: u64,
    started: bool,
    pub(crate) doc_name: String,
    /// Per link: the index of its connection in the document.
    link_conn: Vec<usize>,
    n_connections: usize,
    live_limit: u64,
    /// Most events processed at one simulated instant.
    instant_limit: u64,
    /// [`Core::events`] when the clock last moved on.
    instant_start: u64,
    pub(crate) halted: Option<String>,
}

/// Most events that may be alive at once before a run is stopped as runaway (a fan-out
/// loop, or a backlog growing without bound); about 80 bytes each.
pub const DEFAULT_LIVE_LIMIT: u64 = 10_000_000;

/// Most events processed at one simulated instant before a run is stopped as a loop
/// that keeps time standing still (components handing messages round with no delay).
/// Real bursts at one instant (a fan-out to thousands of targets, a batch released at
/// once) stay orders of magnitude below it; reaching it takes about a second.
pub const MAX_EVENTS_AT_ONE_INSTANT: u64 = 10_000_000;

/// Per component: the index of its loop (a strongly connected component of the link
/// graph with a cycle in it: two or more components, or one linked to itself), or
/// [`NO_LOOP`].
fn loops(n: usize, outputs: &[Outputs], links: &[Link]) -> Vec<u32> {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, links.len());
    for _ in 0..n {
        g.add_node(());
    }
    let mut self_loop = vec![false; n];
    for (i, o) in outputs.iter().enumerate() {
        for &l in o.delivery.iter().chain(&o.failure) {
            let t = links[l].target.index();
            self_loop[i] |= t == i;
            g.add_edge(NodeIndex::new(i), NodeIndex::new(t), ());
        }
    }
    let mut scc = vec![NO_LOOP; n];
    for (k, members) in kosaraju_scc(&g).into_iter().enumerate() {
        if members.len() > 1 || self_loop[members[0].index()] {
            for m in members {
                scc[m.index()] = u32::try_from(k).unwrap_or(NO_LOOP);
            }
        }
    }
    scc
}

/// 64-bit FNV-1a: a stable hash of a component id, so each component's random stream
/// depends only on the seed and its own id.
#[must_use]
pub fn stream_id(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Simulation {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        doc: &Document,
        seed: u64,
        behaviours: Vec<Box<dyn Behaviour>>,
        metrics: Vec<ComponentMetrics>,
        outputs: Vec<Outputs>,
        links: Vec<Link>,
        event_types: Vec<EventTypeRt>,
        pools: Vec<(u64, u64)>,
    ) -> Self {
        let wants_bounces = behaviours.iter().map(|b| b.wants_bounces()).collect();
        let kinds: Vec<Kind> = doc.components.iter().map(|c| c.kind.kind()).collect();
        let n = doc.components.len();
        let stream_ids: Vec<u64> = doc.components.iter().map(|c| stream_id(&c.id)).collect();
        let rngs = stream_ids
            .iter()
            .map(|&s| {
                let mut r = SimRng::seed_from_u64(seed);
                r.set_stream(s);
                r
            })
            .collect();
        let end = doc.scenario.duration.ns;
        let bucket = doc.scenario.bucket_width().ns.max(1);
        let n_links = links.len();
        let scc = loops(n, &outputs, &links);
        let link_in_loop = (0..n)
            .flat_map(|i| {
                let o = &outputs[i];
                o.delivery.iter().chain(&o.failure).map(move |&l| (i, l))
            })
            .fold(vec![false; n_links], |mut v, (i, l)| {
                let s = scc[i];
                v[l] = s != NO_LOOP && scc[links[l].target] == s;
                v
            });
        Simulation {
            core: Core {
                now: 0,
                end,
                calendar: Calendar::default(),
                slab: Slab::default(),
                rngs,
                stream_ids,
                metrics,
                outputs,
                link_sent: vec![0; links.len()],
                links,
                ledger: vec![LedgerRow::default(); n],
                e2e: (0..n).map(|_| Vec::new()).collect(),
                event_types,
                events: 0,
                scratch: Vec::new(),
                calls: Vec::new(),
                free_calls: Vec::new(),
                pools,
                waiters: vec![Vec::new(); n],
                wants_bounces,
                current_call: None,
                kinds: kinds.clone(),
                scc,
                link_in_loop,
                hop_limit: MAX_MESSAGE_HOPS,
                looped: None,
            },
            behaviours,
            names: doc
                .components
                .iter()
                .map(|c| c.display_name().to_owned())
                .collect(),
            kinds,
            seed,
            warmup: doc.scenario.warmup.ns.min(end),
            warm_done: doc.scenario.warmup.ns == 0,
            bucket,
            next_bucket: bucket,
            buckets_closed: 0,
            started: false,
            doc_name: doc.name.clone(),
            link_conn: (0..n_links).collect(),
            n_connections: doc.connections.len(),
            live_limit: DEFAULT_LIVE_LIMIT,
            instant_limit: MAX_EVENTS_AT_ONE_INSTANT,
            instant_start: 0,
            halted: None,
        }
    }

    fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        for (i, b) in self.behaviours.iter_mut().enumerate() {
            let mut ctx = Ctx {
                core: &mut self.core,
                me: CompId::at(i),
            };
            b.start(&mut ctx);
        }
    }

    /// Current simulated time in ns.
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// End of the run in ns.
    #[must_use]
    pub fn end(&self) -> SimTime {
        self.core.end
    }

    /// Events processed so far.
    #[must_use]
    pub fn events_processed(&self) -> u64 {
        self.core.events
    }

    /// Whether the run has reached its end.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.started && self.core.now >= self.core.end && self.halted.is_none()
    }

    /// The seed of this run.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Tell the simulation which document connection each engine link stands for (the
    /// builder skips dangling connections, so the two can differ).
    pub(crate) fn set_link_connections(&mut self, link_conn: Vec<usize>) {
        self.link_conn = link_conn;
    }

    /// Messages sent along each connection of the document so far (whole run, warm-up
    /// included), indexed like `doc.connections`; a call (e.g. SQS -> Lambda) counts
    /// each message it carries. Connections the engine left out count 0.
    #[must_use]
    pub fn connection_counts(&self) -> Vec<u64> {
        let mut out = vec![0; self.n_connections];
        for (l, &c) in self.link_conn.iter().enumerate() {
            if let Some(o) = out.get_mut(c) {
                *o += self.core.link_sent[l];
            }
        }
        out
    }

    /// Servers, slots or concurrency that utilisation is measured against, per component
    /// in document order (0 where utilisation has no meaning).
    #[must_use]
    pub fn capacities(&self) -> Vec<u64> {
        self.core.metrics.iter().map(|m| m.capacity).collect()
    }

    /// Time at component `i` per event over all its attempts (the report's
    /// `residence_ms`), since the end of the warm-up.
    #[must_use]
    pub fn residence(&self, i: usize) -> Option<&LatencyStat> {
        self.core.metrics.get(i).map(|m| &m.residence)
    }

    /// End-to-end latency by (producer, terminal component), as component indices in
    /// document order, since the end of the warm-up.
    #[must_use]
    pub fn end_to_end(&self) -> Vec<(usize, usize, &LatencyStat)> {
        let mut out = Vec::new();
        for (t, list) in self.core.e2e.iter().enumerate() {
            for e in list {
                out.push((e.origin.index(), t, &e.stat));
            }
        }
        out
    }

    /// Width of a time-series bucket in ns.
    #[must_use]
    pub fn bucket(&self) -> SimTime {
        self.bucket
    }

    /// Messages alive in the system.
    #[must_use]
    pub fn live_messages(&self) -> u64 {
        self.core.slab.live
    }

    /// Move the clock to `t`, closing time-series buckets and ending the warm-up on the way.
    fn advance_clock(&mut self, t: SimTime) {
        while !self.warm_done && self.warmup <= t || self.next_bucket <= t {
            if !self.warm_done && self.warmup <= self.next_bucket {
                let w = self.warmup;
                for m in &mut self.core.metrics {
                    m.reset(w);
                }
                for list in &mut self.core.e2e {
                    list.clear();
                }
                for b in &mut self.behaviours {
                    b.warm_up_ended(w);
                }
                self.warm_done = true;
            } else {
                let b = self.next_bucket;
                for m in &mut self.core.metrics {
                    m.close_bucket(b, self.bucket);
                }
                self.buckets_closed += 1;
                self.next_bucket = b.saturating_add(self.bucket);
            }
        }
        if t > self.core.now {
            self.instant_start = self.core.events;
            self.core.now = t;
        }
    }

    /// Process one event. Returns false when nothing is left before the end of the run.
    pub fn step(&mut self) -> bool {
        self.start();
        if self.halted.is_some() {
            return false;
        }
        let end = self.core.end;
        match self.core.calendar.peek_time() {
            Some(t) if t <= end => {}
            _ => {
                self.advance_clock(end);
                return false;
            }
        }
        let Some(ev) = self.core.calendar.pop() else {
            return false;
        };
        let t = ev.time();
        if t > self.core.now {
            self.advance_clock(t);
        }
        self.core.events += 1;
        let b = &mut self.behaviours[ev.target];
        let mut ctx = Ctx {
            core: &mut self.core,
            me: ev.target,
        };
        match ev.kind() {
            EventKind::Deliver(id) => {
                ctx.core.metrics[ev.target].arrive(1);
                b.on_deliver(id, &mut ctx);
            }
            EventKind::Bounce(id, reason, by) => b.on_bounce(id, reason, by, &mut ctx),
            EventKind::Invoke(c) => {
                let n = ctx.core.calls[c].msgs.len() as u64;
                b.on_invoke(c, &mut ctx);
                // a Busy answer means the callee took nothing: the messages never arrived
                if ctx.core.calls[c].status != CallStatus::Busy {
                    ctx.core.metrics[ev.target].arrive(n);
                }
            }
            EventKind::Reply(c) => b.on_reply(c, &mut ctx),
            EventKind::Wake(w) => b.on_wake(w, &mut ctx),
            EventKind::Local(tag, data) => b.on_local(Fired { tag, data }, &mut ctx),
        }
        if self.core.slab.live > self.live_limit
            || self.core.looped.is_some()
            || self.core.events - self.instant_start > self.instant_limit
        {
            self.halt(ev.target);
            return false;
        }
        true
    }

    /// Stop the run with the reason a guard tripped on; `target` is the component of the
    /// last event.
    #[cold]
    fn halt(&mut self, target: CompId) {
        let now = self.core.now as f64 / 1e9;
        let why = if let Some((from, to, created)) = self.core.looped {
            let timing = if created == self.core.now {
                "with no delay".to_owned()
            } else {
                format!(
                    "in {:.3} s",
                    self.core.now.saturating_sub(created) as f64 / 1e9
                )
            };
            format!(
                "stopped at {now:.3} s: a message was handed on {} times, going round the loop {} {timing}{}; give the loop a way out (a smaller weight back, a filter, a retry limit) or remove the link that closes it",
                self.core.hop_limit,
                self.loop_text(&self.cycle_via(from, to)),
                self.rest_of_loop(from, to),
            )
        } else if self.core.slab.live > self.live_limit {
            let place = self.cycle_through(target).map_or_else(String::new, |c| {
                format!(
                    ", growing round the loop {}{}",
                    self.loop_text(&c),
                    self.rest_of_loop(c[0], c[1])
                )
            });
            format!(
                "stopped at {now:.3} s: more than {} events in flight at once{place} (a fan-out loop or a backlog growing without bound); give queues a capacity, lower the load or shorten the run",
                self.live_limit
            )
        } else {
            let cycle = self.cycle_through(target);
            let place = match &cycle {
                Some(c) => format!(
                    ", going round the loop {} with no delay{}",
                    self.loop_text(c),
                    self.rest_of_loop(c[0], c[1])
                ),
                None => format!(", the last at `{}`", self.name(target)),
            };
            format!(
                "stopped at {now:.3} s: {} events at this one instant without the clock moving on{place}; give the loop's connections a latency or a way out",
                self.instant_limit
            )
        };
        self.halted = Some(why);
    }

    fn name(&self, i: CompId) -> String {
        self.names
            .get(i.index())
            .map_or_else(String::new, |n| printable(n).into_owned())
    }

    /// Components a component hands messages to along links.
    fn successors(&self, i: CompId) -> impl Iterator<Item = CompId> + '_ {
        let o = &self.core.outputs[i];
        o.delivery
            .iter()
            .chain(&o.failure)
            .map(|&l| self.core.links[l].target)
    }

    /// The shortest loop through the link `from -> to` inside their loop, as
    /// `[from, to, ..., from]`.
    fn cycle_via(&self, from: CompId, to: CompId) -> Vec<CompId> {
        if from == to {
            return vec![from, from];
        }
        let s = self.core.scc[from];
        let mut parent = vec![FREE; self.core.scc.len()];
        let mut queue = VecDeque::from([to]);
        parent[to] = to;
        while let Some(x) = queue.pop_front() {
            if x == from {
                break;
            }
            for y in self.successors(x) {
                if self.core.scc[y] == s && parent[y] == FREE {
                    parent[y] = x;
                    queue.push_back(y);
                }
            }
        }
        if parent[from] == FREE {
            return vec![from, to];
        }
        let mut back = vec![from];
        let mut x = from;
        while x != to {
            x = parent[x];
            back.push(x);
        }
        back.reverse();
        let mut cycle = vec![from];
        cycle.extend(back);
        cycle
    }

    /// The shortest loop through component `c`, if one passes through it.
    fn cycle_through(&self, c: CompId) -> Option<Vec<CompId>> {
        let s = self.core.scc[c];
        if s == NO_LOOP {
            return None;
        }
        self.successors(c)
            .filter(|&y| self.core.scc[y] == s)
            .map(|y| self.cycle_via(c, y))
            .min_by_key(Vec::len)
    }

    /// "A -> B -> A", starting from the loop's first component in document order.
    fn loop_text(&self, cycle: &[CompId]) -> String {
        let ring = &cycle[..cycle.len().saturating_sub(1).max(1)];
        let start = ring
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| **c)
            .map_or(0, |(p, _)| p);
        let mut names: Vec<String> = ring[start..]
            .iter()
            .chain(&ring[..start])
            .map(|&c| self.name(c))
            .collect();
        names.push(names[0].clone());
        names.join(" -> ")
    }

    /// The other members of the loop holding the link `from -> to`, when the shortest
    /// loop through it leaves some out.
    fn rest_of_loop(&self, from: CompId, to: CompId) -> String {
        let cycle = self.cycle_via(from, to);
        let s = self.core.scc[from];
        let others: Vec<CompId> = (0..self.core.scc.len())
            .map(CompId::at)
            .filter(|&c| self.core.scc[c] == s && !cycle.contains(&c))
            .collect();
        if others.is_empty() {
            return String::new();
        }
        let mut names: Vec<String> = others.iter().take(8).map(|&c| self.name(c)).collect();
        if others.len() > 8 {
            names.push(format!("and {} more", others.len() - 8));
        }
        format!(
            " (in a tangle of loops that also passes through {})",
            names.join(", ")
        )
    }

    /// Change the runaway limit on events alive at once (default [`DEFAULT_LIVE_LIMIT`]).
    pub fn set_live_limit(&mut self, limit: u64) {
        self.live_limit = limit;
    }

    /// Change the limit on events processed at one simulated instant (default
    /// [`MAX_EVENTS_AT_ONE_INSTANT`]).
    pub fn set_instant_limit(&mut self, limit: u64) {
        self.instant_limit = limit;
    }

    /// Change the limit on hand-offs along loops in one message's life (default
    /// [`MAX_MESSAGE_HOPS`]).
    pub fn set_hop_limit(&mut self, limit: u32) {
        self.core.hop_limit = limit.max(1);
    }

    /// Why the run was stopped before its end, if it was.
    #[must_use]
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Process every event up to and including time `t` (capped at the end), then move
    /// the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        self.start();
        let limit = t.min(self.core.end);
        while self.core.calendar.peek_time().is_some_and(|x| x <= limit) {
            if !self.step() {
                return;
            }
        }
        self.advance_clock(limit);
    }

    /// Run to the end.
    pub fn run(&mut self) {
        self.run_until(self.core.end);
    }

    /// Run to the end in slices of simulated time, calling `progress(now)` after each; if
    /// it returns false the run stops there (cancelled). Returns whether it finished.
    pub fn run_with_progress(
        &mut self,
        slices: u32,
        mut progress: impl FnMut(SimTime) -> bool,
    ) -> bool {
        let slices = u64::from(slices.max(1));
        for i in 1..=slices {
            let t = (u128::from(self.core.end) * u128::from(i) / u128::from(slices)) as SimTime;
            self.run_until(t);
            if self.halted.is_some() {
                return false;
            }
            if !progress(self.core.now) && i < slices {
                return false;
            }
        }
        true
    }

    /// Messages held by components plus messages in transit on links; equals the slab's
    /// live count when no message has leaked.
    pub(crate) fn accounted_live(&self) -> u64 {
        let held: u64 = self.behaviours.iter().map(|b| b.held()).sum();
        let transit = self.core.calendar.carrying_messages();
        let in_calls: u64 = self
            .core
            .calls
            .iter()
            .filter(|c| c.live)
            .map(|c| c.msgs.len() as u64)
            .sum();
        held + transit + in_calls
    }

    /// Ledger rows of the producers, with in-flight counts filled in from the live
    /// messages.
    pub(crate) fn ledger(&self) -> Vec<(usize, LedgerRow)> {
        let mut rows: Vec<LedgerRow> = self.core.ledger.clone();
        for m in &self.core.slab.items {
            if m.origin != FREE {
                rows[m.origin].in_flight += 1;
            }
        }
        rows.into_iter()
            .enumerate()
            .filter(|(i, _)| self.kinds[*i] == Kind::Producer)
            .map(|(i, mut r)| {
                r.balanced = r.produced + r.copies == r.accounted();
                (i, r)
            })
            .collect()
    }

    /// Kind-specific figures of component `i`.
    pub(crate) fn extra(&self, i: usize) -> Vec<(String, f64)> {
        let mut out = self.behaviours[i].extra(self.core.now);
        for (src, n) in self.behaviours[i].sources() {
            out.push((format!("from_{}", self.names[src]), n as f64));
        }
        out
    }
}
