//! The event loop: calendar, message slab, the context behaviours act through, and the
//! [`Simulation`] a caller builds, steps and reads.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};

use super::metrics::{ComponentMetrics, LatencyStat};
use super::sample::{Sampler, SimRng};
use super::{MsgId, SimTime};
use crate::model::{Document, Routing};

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
    pub origin: u32,
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
}

/// Marks a free slab slot.
pub const FREE: u32 = u32::MAX;

#[derive(Default)]
struct Slab {
    items: Vec<Message>,
    free: Vec<MsgId>,
    live: u64,
}

impl Slab {
    fn alloc(&mut self, m: Message) -> MsgId {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.items[id as usize] = m;
            id
        } else {
            self.items.push(m);
            MsgId::try_from(self.items.len() - 1).unwrap_or(MsgId::MAX)
        }
    }

    fn release(&mut self, id: MsgId) {
        self.items[id as usize].origin = FREE;
        self.free.push(id);
        self.live -= 1;
    }
}

/// What a calendar entry does.
#[derive(Clone, Copy, Debug)]
pub enum EventKind {
    /// Hand a message to the target component.
    Deliver(MsgId),
    /// A component's own timer, with a tag and a payload of its choosing.
    Local(u32, u64),
}

/// A calendar entry: 32 bytes, ordered by (time, seq).
#[derive(Clone, Copy, Debug)]
struct Event {
    time: SimTime,
    seq: u64,
    target: u32,
    /// [`DELIVER`] for a message delivery, otherwise the component's timer tag.
    tag: u32,
    /// The message id for a delivery, otherwise the timer's payload.
    data: u64,
}

/// Tag of delivery events (timer tags chosen by behaviours must differ).
const DELIVER: u32 = u32::MAX;

impl Event {
    #[inline]
    fn time(&self) -> SimTime {
        self.time
    }

    #[inline]
    fn kind(&self) -> EventKind {
        if self.tag == DELIVER {
            EventKind::Deliver(self.data as MsgId)
        } else {
            EventKind::Local(self.tag, self.data)
        }
    }
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    // reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
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
    pub target: u32,
    pub weight: f64,
    pub latency: Option<Sampler>,
    /// Per event type: `None` = type not accepted; otherwise conditions
    /// `(slot or None when the type lacks the attribute, accepted-values mask, holds when absent)`.
    pub filter: Option<CompiledFilter>,
}

impl Link {
    #[inline]
    fn matches(&self, m: &Message) -> bool {
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
    pub delivery: Vec<u32>,
    pub failure: Vec<u32>,
    pub routing: Routing,
}

/// Conservation ledger of one producer: where its events went.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LedgerRow {
    /// Events created.
    pub produced: u64,
    /// Extra copies made by fan-out.
    pub copies: u64,
    /// Reached a terminal consumer.
    pub delivered: u64,
    /// Matched no outgoing link.
    pub filtered: u64,
    /// Refused by a throttle.
    pub rejected: u64,
    /// Refused by a full buffer.
    pub dropped: u64,
    /// Expired in a buffer.
    pub expired: u64,
    /// Gave up with nowhere to dead-letter.
    pub failed: u64,
    /// Stored in a dead-letter queue.
    pub dead_lettered: u64,
    /// Still inside the system at the end.
    pub in_flight: u64,
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
    pub origin: u32,
    pub stat: LatencyStat,
}

/// Engine state shared by all behaviours; they reach it through [`Ctx`].
pub struct Core {
    pub(crate) now: SimTime,
    pub(crate) end: SimTime,
    seq: u64,
    heap: BinaryHeap<Event>,
    fifo: VecDeque<Event>,
    slab: Slab,
    pub(crate) rngs: Vec<SimRng>,
    pub(crate) metrics: Vec<ComponentMetrics>,
    pub(crate) outputs: Vec<Outputs>,
    pub(crate) links: Vec<Link>,
    pub(crate) ledger: Vec<LedgerRow>,
    pub(crate) e2e: Vec<Vec<EndToEnd>>,
    pub(crate) event_types: Vec<EventTypeRt>,
    pub(crate) events: u64,
    scratch: Vec<u32>,
}

impl Core {
    #[inline]
    fn push(&mut self, time: SimTime, target: u32, kind: EventKind) {
        self.seq += 1;
        let (tag, data) = match kind {
            EventKind::Deliver(id) => (DELIVER, u64::from(id)),
            EventKind::Local(tag, data) => (tag, data),
        };
        let ev = Event {
            time,
            seq: self.seq,
            target,
            tag,
            data,
        };
        if time == self.now {
            self.fifo.push_back(ev);
        } else {
            self.heap.push(ev);
        }
    }

    /// Time of the next event, if any.
    fn peek_time(&self) -> Option<SimTime> {
        match (self.fifo.front(), self.heap.peek()) {
            (Some(f), _) => Some(f.time()),
            (None, Some(h)) => Some(h.time()),
            (None, None) => None,
        }
    }

    fn pop(&mut self) -> Option<Event> {
        let take_fifo = match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(h)) => (f.time, f.seq) < (h.time, h.seq),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_fifo {
            self.fifo.pop_front()
        } else {
            self.heap.pop()
        }
    }

    fn terminate(&mut self, id: MsgId, outcome: Outcome) {
        let origin = self.slab.items[id as usize].origin as usize;
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

/// What a behaviour sees while it handles an event: the clock, its own random stream and
/// metrics, the messages, and ways to schedule, forward and end them.
pub struct Ctx<'a> {
    core: &'a mut Core,
    me: u32,
}

impl Ctx<'_> {
    /// Current simulated time in ns.
    #[inline]
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// End of the run in ns.
    #[inline]
    #[must_use]
    pub fn end(&self) -> SimTime {
        self.core.end
    }

    /// Index of the component being run.
    #[inline]
    #[must_use]
    pub fn me(&self) -> u32 {
        self.me
    }

    /// This component's random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.core.rngs[self.me as usize]
    }

    /// This component's metrics.
    #[inline]
    pub fn metrics(&mut self) -> &mut ComponentMetrics {
        &mut self.core.metrics[self.me as usize]
    }

    /// Draw from a sampler with this component's stream.
    #[inline]
    pub fn sample_ms_as_ns(&mut self, s: &Sampler) -> SimTime {
        s.sample_ms_as_ns(&mut self.core.rngs[self.me as usize])
    }

    /// A message.
    #[inline]
    pub fn msg(&mut self, id: MsgId) -> &mut Message {
        &mut self.core.slab.items[id as usize]
    }

    /// Schedule a timer for this component `delay` ns from now.
    #[inline]
    pub fn schedule(&mut self, delay: SimTime, tag: u32, data: u64) {
        let t = self.core.now.saturating_add(delay);
        self.core.push(t, self.me, EventKind::Local(tag, data));
    }

    /// Schedule a timer for this component at absolute time `at` (not before now).
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, tag: u32, data: u64) {
        let t = at.max(self.core.now);
        self.core.push(t, self.me, EventKind::Local(tag, data));
    }

    /// Create a new message of event type drawn from `mix` (cumulative weights over
    /// event type indices) and count it as produced by this component.
    pub fn create(&mut self, mix: &[(u16, f64)]) -> MsgId {
        let me = self.me as usize;
        let rng = &mut self.core.rngs[me];
        let etype = if mix.len() <= 1 {
            mix.first().map_or(0, |m| m.0)
        } else {
            let total = mix[mix.len() - 1].1;
            let u = rng.random::<f64>() * total;
            let i = mix.partition_point(|(_, c)| *c <= u).min(mix.len() - 1);
            mix[i].0
        };
        let et = &self.core.event_types[usize::from(etype)];
        let mut attrs = [0u8; 8];
        for (slot, (_, _, cum)) in et.attrs.iter().enumerate() {
            let total = cum[cum.len() - 1];
            let u = rng.random::<f64>() * total;
            attrs[slot] =
                u8::try_from(cum.partition_point(|c| *c <= u).min(cum.len() - 1)).unwrap_or(0);
        }
        let size = et.size.sample(rng).round().clamp(0.0, f64::from(u32::MAX)) as u32;
        let now = self.core.now;
        self.core.ledger[me].produced += 1;
        self.core.slab.alloc(Message {
            created: now,
            origin: self.me,
            etype,
            attrs,
            size,
            attempt: 0,
            reason: FailReason::None,
            arrived: now,
            enqueued: now,
            started: now,
        })
    }

    fn copy(&mut self, id: MsgId) -> MsgId {
        let m = self.core.slab.items[id as usize];
        self.core.ledger[m.origin as usize].copies += 1;
        self.core.slab.alloc(m)
    }

    /// Send a message along one link (with the link's latency, if any).
    #[inline]
    fn send(&mut self, link: u32, id: MsgId) {
        let l = &self.core.links[link as usize];
        let target = l.target;
        let delay = match &l.latency {
            Some(s) => s.sample_ms_as_ns(&mut self.core.rngs[self.me as usize]),
            None => 0,
        };
        let t = self.core.now.saturating_add(delay);
        self.core.push(t, target, EventKind::Deliver(id));
    }

    /// Pass a finished message on along the matching delivery links (fan-out copies or
    /// weighted split). With no delivery links at all the component is terminal and the
    /// message is delivered; with links but none matching it is filtered.
    pub fn forward(&mut self, id: MsgId) {
        let me = self.me as usize;
        let out = &self.core.outputs[me];
        if out.delivery.is_empty() {
            self.deliver_here(id);
            return;
        }
        let m = self.core.slab.items[id as usize];
        let mut chosen = std::mem::take(&mut self.core.scratch);
        chosen.clear();
        chosen.extend(
            out.delivery
                .iter()
                .copied()
                .filter(|&l| self.core.links[l as usize].matches(&m)),
        );
        match chosen.len() {
            0 => {
                self.core.metrics[me].counters.filtered += 1;
                self.core.terminate(id, Outcome::Filtered);
            }
            1 => self.send(chosen[0], id),
            _ => match self.core.outputs[me].routing {
                Routing::FanOut => {
                    for &l in &chosen[1..] {
                        let c = self.copy(id);
                        self.send(l, c);
                    }
                    self.send(chosen[0], id);
                }
                Routing::Split => {
                    let total: f64 = chosen
                        .iter()
                        .map(|&l| self.core.links[l as usize].weight)
                        .sum();
                    let mut u = self.core.rngs[me].random::<f64>() * total;
                    let mut pick = chosen[chosen.len() - 1];
                    for &l in &chosen {
                        u -= self.core.links[l as usize].weight;
                        if u < 0.0 {
                            pick = l;
                            break;
                        }
                    }
                    self.send(pick, id);
                }
            },
        }
        self.core.scratch = chosen;
    }

    /// The message has reached a terminal consumer (this component): record its
    /// end-to-end latency and end it.
    pub fn deliver_here(&mut self, id: MsgId) {
        let m = self.core.slab.items[id as usize];
        let lat = self.core.now.saturating_sub(m.created);
        let list = &mut self.core.e2e[self.me as usize];
        if let Some(e) = list.iter_mut().find(|e| e.origin == m.origin) {
            e.stat.record(lat);
        } else {
            let mut stat = LatencyStat::new();
            stat.record(lat);
            list.push(EndToEnd {
                origin: m.origin,
                stat,
            });
        }
        self.core.terminate(id, Outcome::Delivered);
    }

    /// Whether this component has dead-letter or on-failure links.
    #[must_use]
    pub fn has_failure_links(&self) -> bool {
        !self.core.outputs[self.me as usize].failure.is_empty()
    }

    /// Give up on a message: send it (with `reason`) to the dead-letter / on-failure
    /// links, or end it as failed when there are none.
    pub fn give_up(&mut self, id: MsgId, reason: FailReason) {
        let me = self.me as usize;
        self.core.slab.items[id as usize].reason = reason;
        let links = std::mem::take(&mut self.core.outputs[me].failure);
        if links.is_empty() {
            self.core.metrics[me].counters.failed += 1;
            self.core.terminate(id, Outcome::Failed);
        } else {
            self.core.metrics[me].counters.dead_lettered += 1;
            for &l in &links[1..] {
                let c = self.copy(id);
                self.send(l, c);
            }
            self.send(links[0], id);
        }
        self.core.outputs[me].failure = links;
    }

    /// End a message with the given outcome.
    pub fn end_message(&mut self, id: MsgId, outcome: Outcome) {
        self.core.terminate(id, outcome);
    }
}

/// The behaviour of one component kind. The engine calls it for each event addressed to
/// the component; it acts only through the [`Ctx`].
pub trait Behaviour: Send {
    /// Called once at time zero.
    fn start(&mut self, _ctx: &mut Ctx) {}
    /// A message arrives.
    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx);
    /// One of this component's timers fires.
    fn on_local(&mut self, _tag: u32, _data: u64, _ctx: &mut Ctx) {}
    /// Messages the component holds right now (queued, in service, waiting to retry).
    fn held(&self) -> u64 {
        0
    }
    /// Kind-specific figures for the report, e.g. dead letters by reason.
    fn extra(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// A built simulation of one document with one seed.
pub struct Simulation {
    pub(crate) core: Core,
    behaviours: Vec<Box<dyn Behaviour>>,
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<&'static str>,
    pub(crate) seed: u64,
    pub(crate) warmup: SimTime,
    warm_done: bool,
    pub(crate) bucket: SimTime,
    next_bucket: SimTime,
    pub(crate) buckets_closed: u64,
    started: bool,
    pub(crate) doc_name: String,
    live_limit: u64,
    pub(crate) halted: Option<String>,
}

/// Most events that may be alive at once before a run is stopped as runaway (a fan-out
/// loop, or a backlog growing without bound); about 80 bytes each.
pub const DEFAULT_LIVE_LIMIT: u64 = 10_000_000;

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
    pub(crate) fn assemble(
        doc: &Document,
        seed: u64,
        behaviours: Vec<Box<dyn Behaviour>>,
        metrics: Vec<ComponentMetrics>,
        outputs: Vec<Outputs>,
        links: Vec<Link>,
        event_types: Vec<EventTypeRt>,
    ) -> Self {
        let n = doc.components.len();
        let rngs = doc
            .components
            .iter()
            .map(|c| {
                let mut r = SimRng::seed_from_u64(seed);
                r.set_stream(stream_id(&c.id));
                r
            })
            .collect();
        let end = doc.scenario.duration.ns;
        let bucket = doc.scenario.bucket_width().ns.max(1);
        Simulation {
            core: Core {
                now: 0,
                end,
                seq: 0,
                heap: BinaryHeap::new(),
                fifo: VecDeque::new(),
                slab: Slab::default(),
                rngs,
                metrics,
                outputs,
                links,
                ledger: vec![LedgerRow::default(); n],
                e2e: (0..n).map(|_| Vec::new()).collect(),
                event_types,
                events: 0,
                scratch: Vec::new(),
            },
            behaviours,
            names: doc
                .components
                .iter()
                .map(|c| c.display_name().to_owned())
                .collect(),
            kinds: doc.components.iter().map(|c| c.kind.kind_name()).collect(),
            seed,
            warmup: doc.scenario.warmup.ns.min(end),
            warm_done: doc.scenario.warmup.ns == 0,
            bucket,
            next_bucket: bucket,
            buckets_closed: 0,
            started: false,
            doc_name: doc.name.clone(),
            live_limit: DEFAULT_LIVE_LIMIT,
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
                me: u32::try_from(i).unwrap_or(u32::MAX),
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
        self.core.now = self.core.now.max(t);
    }

    /// Process one event. Returns false when nothing is left before the end of the run.
    pub fn step(&mut self) -> bool {
        self.start();
        if self.halted.is_some() {
            return false;
        }
        let end = self.core.end;
        match self.core.peek_time() {
            Some(t) if t <= end => {}
            _ => {
                self.advance_clock(end);
                return false;
            }
        }
        let Some(ev) = self.core.pop() else {
            return false;
        };
        let t = ev.time();
        if t > self.core.now {
            self.advance_clock(t);
        }
        self.core.events += 1;
        let b = &mut self.behaviours[ev.target as usize];
        let mut ctx = Ctx {
            core: &mut self.core,
            me: ev.target,
        };
        match ev.kind() {
            EventKind::Deliver(id) => b.on_deliver(id, &mut ctx),
            EventKind::Local(tag, data) => b.on_local(tag, data, &mut ctx),
        }
        if self.core.slab.live > self.live_limit {
            self.halted = Some(format!(
                "stopped at {:.3} s: more than {} events in flight at once (a fan-out loop or a backlog growing without bound); give queues a capacity, lower the load or shorten the run",
                self.core.now as f64 / 1e9,
                self.live_limit
            ));
            return false;
        }
        true
    }

    /// Change the runaway limit on events alive at once (default [`DEFAULT_LIVE_LIMIT`]).
    pub fn set_live_limit(&mut self, limit: u64) {
        self.live_limit = limit;
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
        while self.core.peek_time().is_some_and(|x| x <= limit) {
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
        let transit = self
            .core
            .heap
            .iter()
            .chain(self.core.fifo.iter())
            .filter(|e| e.tag == DELIVER)
            .count() as u64;
        held + transit
    }

    /// Ledger rows of the producers, with in-flight counts filled in from the live
    /// messages.
    pub(crate) fn ledger(&self) -> Vec<(usize, LedgerRow)> {
        let mut rows: Vec<LedgerRow> = self.core.ledger.clone();
        for m in &self.core.slab.items {
            if m.origin != FREE {
                rows[m.origin as usize].in_flight += 1;
            }
        }
        rows.into_iter()
            .enumerate()
            .filter(|(i, _)| self.kinds[*i] == "Producer")
            .map(|(i, mut r)| {
                r.balanced = r.produced + r.copies == r.accounted();
                (i, r)
            })
            .collect()
    }

    /// Kind-specific figures of component `i`.
    pub(crate) fn extra(&self, i: usize) -> Vec<(String, u64)> {
        self.behaviours[i].extra()
    }
}
