//! Behaviour of SqsQueue: an SQS queue (standard or FIFO) and the pollers of its
//! consumers.
//!
//! Every message the queue holds has a record (`Rec`) in a slab of the queue's own; the
//! queues of visible messages, delayed messages and messages in entry order hold
//! `(index, generation)` entries, so a message removed from the middle (expired,
//! deleted) leaves a stale entry that is skipped when reached. Everything is O(1)
//! amortised per message, plus O(log groups) for FIFO queues.
//!
//! Each delivery link is one consumer. A consumer has `limit` pollers (batches in
//! flight at once); a Lambda consumer scales its limit like an event-source mapping.
//! The queue hands batches to consumers in turn (round robin), so consumers compete for
//! messages.

use std::collections::{BTreeMap, VecDeque};

use crate::model::aws::SqsQueue;
use crate::model::{ComponentKind, Kind, LinkKind, NS_PER_S};
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason, Outcome};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::station::TokenBucket;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{CompId, LinkId};
use crate::sim::{MsgId, SimTime};

/// The queue's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// Delayed messages become visible.
    Delay,
    /// Retention deadline of the oldest message.
    Expire,
    /// The visibility timeout of a failed message ends (its record entry).
    Return(u64),
    /// The batch window of a consumer ends, for its fill number `seq`.
    Window { consumer: usize, seq: u32 },
    /// Long-poll tick of a consumer: empty receives, scale-down.
    Poll(usize),
    /// Event-source-mapping scale-up step of a Lambda consumer.
    Scale(usize),
    /// Refresh of the oldest-message gauge.
    Gauge,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Delay => (0, 0),
            Tick::Expire => (1, 0),
            Tick::Return(entry) => (2, entry),
            Tick::Window { consumer, seq } => (3, consumer as u64 | (u64::from(seq) << 32)),
            Tick::Poll(consumer) => (4, consumer as u64),
            Tick::Scale(consumer) => (5, consumer as u64),
            Tick::Gauge => (6, 0),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        let consumer = low(data) as usize;
        match tag {
            0 => Some(Tick::Delay),
            1 => Some(Tick::Expire),
            2 => Some(Tick::Return(data)),
            3 => Some(Tick::Window {
                consumer,
                seq: (data >> 32) as u32,
            }),
            4 => Some(Tick::Poll(consumer)),
            5 => Some(Tick::Scale(consumer)),
            6 => Some(Tick::Gauge),
            _ => None,
        }
    }
}

/// Billing chunk: every 64 KiB of payload is one request.
const CHUNK: u64 = 64 * 1024;
/// Most messages one ReceiveMessage / DeleteMessageBatch call handles.
const PER_CALL: usize = 10;
/// Event-source mapping: concurrent batches at the start, when idle, at most, and the
/// scale-up per second (300 per minute):
/// <https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html>.
const ESM_START: u32 = 5;
const ESM_IDLE: u32 = crate::model::aws::SQS_ESM_MIN_CONCURRENCY;
const ESM_MAX: u32 = crate::model::aws::SQS_ESM_MAX_CONCURRENCY;
const ESM_STEP_PER_S: u32 = 5;
/// Pollers of a consumer that is neither a Lambda function nor a container service,
/// when `max_concurrency` is unset. A container service gets one poller per slot of its
/// largest fleet
/// ([`crate::model::aws::ContainerService::max_slots`]).
const DEFAULT_POLLERS: u32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Free,
    /// Waiting for the delivery delay.
    Delayed,
    /// Visible and receivable (FIFO: in its group's queue).
    Visible,
    /// FIFO: visible again after a failure, held back until its group has nothing in
    /// flight, then put at the head of the group in order.
    Held,
    /// Received by a poller that is still filling a batch (batch window).
    Filling,
    /// Received and handed to a consumer in a call.
    Called,
    /// Returned by a failed call; invisible until the visibility timeout ends.
    Returning,
}

struct Rec {
    id: MsgId,
    generation: u32,
    st: St,
    /// Receive count (ApproximateReceiveCount).
    receives: u32,
    /// FIFO message group.
    key: u32,
    /// Entry order (FIFO order within a group).
    seq: u64,
    arrived: SimTime,
    visible_at: SimTime,
    received_at: SimTime,
    /// Retention ran out while the message was in a call.
    expired: bool,
    /// Why its last receive was unsuccessful.
    reason: FailReason,
}

/// One FIFO message group.
#[derive(Default)]
struct Group {
    /// Visible messages in order (entries, some stale).
    q: VecDeque<u64>,
    /// Valid visible entries in `q`.
    len: u64,
    /// Messages of the group received and not yet deleted or visible again.
    inflight: u64,
    /// Messages visible again, waiting for the group to have nothing in flight.
    back: Vec<u32>,
    /// Listed in the queue's ready list.
    in_ready: bool,
}

struct Consumer {
    link: LinkId,
    target: CompId,
    lambda: bool,
    mode: CallMode,
    /// Most batches in flight.
    cap: u32,
    /// Current limit (Lambda scales it between `ESM_IDLE` and `cap`).
    limit: u32,
    /// Batches in calls.
    active: u32,
    /// The consumer answered Busy; wait for its wake-up.
    waiting: bool,
    /// Records of the batch being filled under the batch window.
    fill: Vec<u32>,
    fill_seq: u32,
    fill_cost: (f64, f64),
    /// Fewest idle pollers since the last long-poll tick.
    min_idle: u32,
    /// Received anything since the last long-poll tick.
    received: bool,
    /// Throttled since the last scale step.
    throttled: bool,
    scale_armed: bool,
    peak: u32,
}

impl Consumer {
    fn idle(&self) -> u32 {
        if self.waiting {
            return 0;
        }
        self.limit
            .saturating_sub(self.active + u32::from(!self.fill.is_empty()))
    }

    fn note_idle(&mut self) {
        self.min_idle = self.min_idle.min(self.idle());
    }
}

/// A batch in a call.
struct Batch {
    consumer: usize,
    recs: Vec<u32>,
    /// Receive requests charged for it (fresh, redelivered), refunded on Busy.
    cost: (f64, f64),
}

/// The queue.
pub(crate) struct SqsB {
    fifo: bool,
    vt: SimTime,
    retention: SimTime,
    max_receives: Option<u32>,
    delay: SimTime,
    batch_size: usize,
    window: SimTime,
    poll_every: SimTime,
    gauge_every: SimTime,
    throughput: Option<TokenBucket>,
    meter: usize,
    gauge: usize,
    // records
    recs: Vec<Rec>,
    free: Vec<u32>,
    live: u64,
    in_calls: u64,
    next_seq: u64,
    // queues
    by_arrival: VecDeque<u64>,
    expire_armed: bool,
    delayed: VecDeque<u64>,
    delay_armed: bool,
    visible: VecDeque<u64>,
    groups: BTreeMap<u32, Group>,
    ready: VecDeque<u32>,
    n_visible: u64,
    n_delayed: u64,
    n_receivable: u64,
    // consumers
    consumers: Vec<Consumer>,
    rr: usize,
    calls: Vec<Option<Batch>>,
    free_calls: Vec<u32>,
    gauge_armed: bool,
    // dead letters received
    dl_source: Vec<bool>,
    by_reason: [u64; 5],
    by_source: Vec<u64>,
    // totals
    receives: u64,
    redeliveries: u64,
    moved: u64,
    expired: u64,
    empty: u64,
    throttled_sends: u64,
    batches: u64,
}

#[inline]
fn entry(idx: u32, generation: u32) -> u64 {
    u64::from(idx) | (u64::from(generation) << 32)
}

/// Requests for `bytes` of payload: one per started 64 KiB, at least one.
#[inline]
fn chunks(bytes: u64) -> f64 {
    bytes.div_ceil(CHUNK).max(1) as f64
}

impl SqsB {
    fn rec(&self, e: u64, st: St) -> Option<u32> {
        let idx = (e & 0xffff_ffff) as u32;
        let r = self.recs.get(idx as usize)?;
        (r.generation == (e >> 32) as u32 && r.st == st).then_some(idx)
    }

    fn entry_of(&self, idx: u32) -> u64 {
        entry(idx, self.recs[idx as usize].generation)
    }

    fn alloc(&mut self, id: MsgId, key: u32, now: SimTime) -> u32 {
        self.live += 1;
        self.next_seq += 1;
        let rec = Rec {
            id,
            generation: 0,
            st: St::Free,
            receives: 0,
            key,
            seq: self.next_seq,
            arrived: now,
            visible_at: now,
            received_at: now,
            expired: false,
            reason: FailReason::None,
        };
        if let Some(i) = self.free.pop() {
            let generation = self.recs[i as usize].generation;
            self.recs[i as usize] = Rec { generation, ..rec };
            i
        } else {
            self.recs.push(rec);
            u32::try_from(self.recs.len() - 1).unwrap_or(u32::MAX)
        }
    }

    /// Forget a record whose message has left the queue.
    fn release(&mut self, idx: u32) {
        let r = &mut self.recs[idx as usize];
        r.generation = r.generation.wrapping_add(1);
        r.st = St::Free;
        self.free.push(idx);
        self.live -= 1;
    }

    fn expired_at(&self, idx: u32, now: SimTime) -> bool {
        now >= self.recs[idx as usize]
            .arrived
            .saturating_add(self.retention)
    }

    fn levels(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        // drop stale entries at the head of the entry order (deleted messages)
        while let Some(&e) = self.by_arrival.front() {
            let idx = (e & 0xffff_ffff) as usize;
            let r = &self.recs[idx];
            if r.generation == (e >> 32) as u32 && r.st != St::Free && !r.expired {
                break;
            }
            self.by_arrival.pop_front();
        }
        let oldest = self
            .by_arrival
            .front()
            .map_or(0, |&e| now - self.recs[(e & 0xffff_ffff) as usize].arrived);
        let inflight = self.live - self.n_visible - self.n_delayed;
        let (visible, gauge) = (self.n_visible, self.gauge);
        let m = ctx.metrics();
        m.depth.set(now, visible);
        m.busy.set(now, inflight);
        m.set_gauge(gauge, now, oldest / NS_PER_S);
        if self.live > 0 && !self.gauge_armed {
            self.gauge_armed = true;
            ctx.schedule(self.gauge_every, Tick::Gauge);
        }
    }

    // ---- visibility

    /// Make a record visible: at the back (new, standard redelivery) or the front
    /// (standard: returned unprocessed). FIFO records go to their group.
    fn make_visible(&mut self, idx: u32, front: bool, now: SimTime) {
        self.n_visible += 1;
        let e = self.entry_of(idx);
        let r = &mut self.recs[idx as usize];
        r.visible_at = now;
        if !self.fifo {
            r.st = St::Visible;
            self.n_receivable += 1;
            if front {
                self.visible.push_front(e);
            } else {
                self.visible.push_back(e);
            }
            return;
        }
        let key = r.key;
        r.st = St::Visible;
        let g = self.groups.entry(key).or_default();
        g.q.push_back(e);
        g.len += 1;
        if g.inflight == 0 {
            self.n_receivable += 1;
            if !g.in_ready {
                g.in_ready = true;
                self.ready.push_back(key);
            }
        }
    }

    /// FIFO: a received message of group `key` is no longer in flight. When the group
    /// has nothing left in flight, the messages held back go to its head in order and
    /// the group becomes receivable.
    fn release_group(&mut self, key: u32) {
        let Some(g) = self.groups.get_mut(&key) else {
            return;
        };
        g.inflight = g.inflight.saturating_sub(1);
        if g.inflight > 0 {
            return;
        }
        if !g.back.is_empty() {
            let mut back = std::mem::take(&mut g.back);
            back.sort_unstable_by_key(|&i| self.recs[i as usize].seq);
            for &i in back.iter().rev() {
                let r = &mut self.recs[i as usize];
                r.st = St::Visible;
                g.q.push_front(entry(i, r.generation));
                g.len += 1;
            }
        }
        self.n_receivable += g.len;
        let remove = if g.len > 0 {
            if !g.in_ready {
                g.in_ready = true;
                self.ready.push_back(key);
            }
            false
        } else {
            !g.in_ready
        };
        if remove {
            self.groups.remove(&key);
        }
    }

    /// A received message becomes visible again (after its visibility timeout, or at
    /// once when its consumer was busy).
    fn back_to_queue(&mut self, idx: u32, front: bool, now: SimTime) {
        if !self.fifo {
            self.make_visible(idx, front, now);
            return;
        }
        let r = &mut self.recs[idx as usize];
        r.st = St::Held;
        r.visible_at = now;
        let key = r.key;
        self.n_visible += 1;
        self.groups.entry(key).or_default().back.push(idx);
        self.release_group(key);
    }

    // ---- arrival

    fn accept(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let key = ctx.msg(id).key;
        {
            let m = ctx.msg(id);
            m.attempt = 0;
            m.reason = FailReason::None;
            m.arrived = now;
            m.enqueued = now;
        }
        let idx = self.alloc(id, key, now);
        let e = self.entry_of(idx);
        self.by_arrival.push_back(e);
        self.arm_expiry(ctx);
        if self.delay > 0 {
            self.recs[idx as usize].st = St::Delayed;
            self.n_delayed += 1;
            self.delayed.push_back(e);
            if !self.delay_armed {
                self.delay_armed = true;
                ctx.schedule(self.delay, Tick::Delay);
            }
        } else {
            self.make_visible(idx, false, now);
        }
    }

    fn on_delay(&mut self, ctx: &mut Ctx) {
        self.delay_armed = false;
        let now = ctx.now();
        while let Some(&e) = self.delayed.front() {
            let Some(idx) = self.rec(e, St::Delayed) else {
                self.delayed.pop_front();
                continue;
            };
            let due = self.recs[idx as usize].arrived.saturating_add(self.delay);
            if due > now {
                self.delay_armed = true;
                ctx.schedule_at(due, Tick::Delay);
                break;
            }
            self.delayed.pop_front();
            self.n_delayed -= 1;
            self.make_visible(idx, false, now);
        }
    }

    // ---- retention

    fn arm_expiry(&mut self, ctx: &mut Ctx) {
        if self.expire_armed {
            return;
        }
        if let Some(&e) = self.by_arrival.front() {
            let at = self.recs[(e & 0xffff_ffff) as usize]
                .arrived
                .saturating_add(self.retention);
            self.expire_armed = true;
            ctx.schedule_at(at, Tick::Expire);
        }
    }

    /// End a message held here as expired (retention).
    fn expire(&mut self, idx: u32, ctx: &mut Ctx) {
        let id = self.recs[idx as usize].id;
        self.expired += 1;
        let m = ctx.metrics();
        m.counters.expired += 1;
        m.bucket_error();
        ctx.end_message(id, Outcome::Expired);
        self.release(idx);
    }

    fn on_expire(&mut self, ctx: &mut Ctx) {
        self.expire_armed = false;
        let now = ctx.now();
        while let Some(&e) = self.by_arrival.front() {
            let idx = (e & 0xffff_ffff) as u32;
            let r = &self.recs[idx as usize];
            if r.generation != (e >> 32) as u32 || r.st == St::Free || r.expired {
                self.by_arrival.pop_front();
                continue;
            }
            if !self.expired_at(idx, now) {
                break;
            }
            self.by_arrival.pop_front();
            let key = r.key;
            match r.st {
                St::Free => {}
                St::Called => {
                    // still with its consumer: deleted when it comes back, unless the
                    // consumer processes it first
                    self.recs[idx as usize].expired = true;
                }
                St::Delayed => {
                    self.n_delayed -= 1;
                    self.expire(idx, ctx);
                }
                St::Visible => {
                    self.n_visible -= 1;
                    if self.fifo {
                        if let Some(g) = self.groups.get_mut(&key) {
                            g.len -= 1;
                            if g.inflight == 0 {
                                self.n_receivable -= 1;
                            }
                        }
                    } else {
                        self.n_receivable -= 1;
                    }
                    self.expire(idx, ctx);
                }
                St::Held => {
                    self.n_visible -= 1;
                    if let Some(g) = self.groups.get_mut(&key) {
                        g.back.retain(|&i| i != idx);
                    }
                    self.expire(idx, ctx);
                }
                St::Filling => {
                    for c in &mut self.consumers {
                        c.fill.retain(|&i| i != idx);
                    }
                    self.expire(idx, ctx);
                    if self.fifo {
                        self.release_group(key);
                    }
                }
                St::Returning => {
                    self.expire(idx, ctx);
                    if self.fifo {
                        self.release_group(key);
                    }
                }
            }
        }
        self.arm_expiry(ctx);
    }

    // ---- receiving

    /// Receive up to `max` messages (one ReceiveMessage call per 10) for consumer `ci`:
    /// they become invisible and their receive count goes up. Messages the consumer's
    /// link filter rejects are deleted (as an event-source mapping's filter does).
    fn take(&mut self, ci: usize, max: usize, ctx: &mut Ctx) -> Vec<u32> {
        let now = ctx.now();
        let mut out: Vec<u32> = Vec::with_capacity(max.min(64));
        if self.fifo {
            self.take_fifo(max, now, ctx, &mut out);
        } else {
            while out.len() < max {
                let Some(idx) = self.pop_visible(now, ctx) else {
                    break;
                };
                out.push(idx);
            }
        }
        if out.is_empty() {
            return out;
        }
        let (mut fresh, mut redelivered) = (0.0, 0.0);
        for chunk in out.chunks(PER_CALL) {
            let mut bytes = 0u64;
            let mut again = 0usize;
            for &idx in chunk {
                let r = &mut self.recs[idx as usize];
                r.receives += 1;
                r.received_at = now;
                r.st = St::Filling;
                let (id, receives, visible_at) = (r.id, r.receives, r.visible_at);
                if receives > 1 {
                    again += 1;
                }
                let m = ctx.msg(id);
                m.attempt = u16::try_from(receives).unwrap_or(u16::MAX);
                bytes += u64::from(m.size);
                ctx.metrics().wait.record(now - visible_at);
            }
            let cost = chunks(bytes);
            let share = again as f64 / chunk.len() as f64;
            fresh += cost * (1.0 - share);
            redelivered += cost * share;
            self.receives += chunk.len() as u64;
            self.redeliveries += again as u64;
        }
        let meter = self.meter;
        let m = ctx.metrics();
        m.counters.retries += out
            .iter()
            .filter(|&&i| self.recs[i as usize].receives > 1)
            .count() as u64;
        if fresh > 0.0 {
            m.charge(meter, fresh);
        }
        if redelivered > 0.0 {
            m.charge_retry(meter, redelivered);
        }
        let c = &mut self.consumers[ci];
        c.received = true;
        c.fill_cost.0 += fresh;
        c.fill_cost.1 += redelivered;
        // the consumer's filter (event-source-mapping filter criteria)
        let link = c.link;
        let mut kept = Vec::with_capacity(out.len());
        for idx in out {
            let id = self.recs[idx as usize].id;
            if ctx.link_matches(link, id) {
                kept.push(idx);
            } else {
                self.delete(idx, ctx);
                let m = ctx.metrics();
                m.counters.filtered += 1;
                ctx.end_message(id, Outcome::Filtered);
            }
        }
        kept
    }

    /// Standard queue: the next visible message, skipping (and ending) expired ones.
    fn pop_visible(&mut self, now: SimTime, ctx: &mut Ctx) -> Option<u32> {
        while let Some(e) = self.visible.pop_front() {
            let Some(idx) = self.rec(e, St::Visible) else {
                continue;
            };
            self.n_visible -= 1;
            self.n_receivable -= 1;
            if self.expired_at(idx, now) {
                self.expire(idx, ctx);
                continue;
            }
            return Some(idx);
        }
        None
    }

    /// FIFO queue: take up to `max` messages, as many as possible from each ready
    /// group in turn, in group order; every group taken from is locked until nothing
    /// of it is in flight.
    fn take_fifo(&mut self, max: usize, now: SimTime, ctx: &mut Ctx, out: &mut Vec<u32>) {
        while out.len() < max {
            let Some(key) = self.ready.pop_front() else {
                break;
            };
            let Some(g) = self.groups.get_mut(&key) else {
                continue;
            };
            g.in_ready = false;
            if g.inflight > 0 || g.len == 0 {
                if g.len == 0 && g.inflight == 0 && g.back.is_empty() {
                    self.groups.remove(&key);
                }
                continue;
            }
            let mut took = 0u64;
            let mut expired = Vec::new();
            while out.len() < max {
                let Some(e) = g.q.pop_front() else {
                    g.len = 0;
                    break;
                };
                let idx = (e & 0xffff_ffff) as u32;
                let r = &self.recs[idx as usize];
                if r.generation != (e >> 32) as u32 || r.st != St::Visible {
                    continue;
                }
                g.len -= 1;
                self.n_visible -= 1;
                self.n_receivable -= 1;
                if now >= r.arrived.saturating_add(self.retention) {
                    expired.push(idx);
                    continue;
                }
                out.push(idx);
                took += 1;
            }
            if took > 0 {
                // locked: the rest of the group waits
                g.inflight += took;
                self.n_receivable -= g.len;
            } else if g.len == 0 && g.back.is_empty() {
                self.groups.remove(&key);
            }
            for idx in expired {
                self.expire(idx, ctx);
            }
        }
    }

    /// A received message leaves the queue (deleted after success, filtered, moved).
    fn delete(&mut self, idx: u32, _ctx: &mut Ctx) {
        let key = self.recs[idx as usize].key;
        self.release(idx);
        if self.fifo {
            self.release_group(key);
        }
    }

    // ---- consumers

    fn launch(&mut self, ci: usize, recs: Vec<u32>, ctx: &mut Ctx) {
        let c = &mut self.consumers[ci];
        let cost = std::mem::take(&mut c.fill_cost);
        if recs.is_empty() {
            return;
        }
        c.active += 1;
        c.peak = c.peak.max(c.active);
        self.batches += 1;
        let (link, mode) = (c.link, c.mode);
        let ids: Vec<MsgId> = recs
            .iter()
            .map(|&i| {
                let r = &mut self.recs[i as usize];
                r.st = St::Called;
                r.id
            })
            .collect();
        self.in_calls += recs.len() as u64;
        let batch = Batch {
            consumer: ci,
            recs,
            cost,
        };
        let slot = if let Some(s) = self.free_calls.pop() {
            self.calls[s as usize] = Some(batch);
            s
        } else {
            self.calls.push(Some(batch));
            u32::try_from(self.calls.len() - 1).unwrap_or(u32::MAX)
        };
        ctx.invoke(link, ids, mode, u64::from(slot));
    }

    /// Let consumer `ci` receive what it can; true when it took any message.
    fn serve(&mut self, ci: usize, ctx: &mut Ctx) -> bool {
        let bs = self.batch_size;
        let c = &mut self.consumers[ci];
        if c.waiting {
            return false;
        }
        if c.lambda && c.limit < ESM_START.min(c.cap) {
            // messages are waiting: the mapping starts with five concurrent batches
            c.limit = ESM_START.min(c.cap);
        }
        if !c.fill.is_empty() {
            let room = bs.saturating_sub(c.fill.len()).min(PER_CALL);
            let got = self.take(ci, room, ctx);
            let took = !got.is_empty();
            let c = &mut self.consumers[ci];
            c.fill.extend(got);
            if c.fill.len() >= bs {
                let fill = std::mem::take(&mut c.fill);
                c.fill_seq = c.fill_seq.wrapping_add(1);
                self.launch(ci, fill, ctx);
            }
            return took;
        }
        if c.active >= c.limit {
            return false;
        }
        if self.window == 0 || self.n_receivable >= bs as u64 {
            let got = self.take(ci, bs, ctx);
            let took = !got.is_empty();
            self.launch(ci, got, ctx);
            return took;
        }
        // fewer than a batch: receive what there is and wait up to the window for more
        let got = self.take(ci, bs, ctx);
        if got.is_empty() {
            return false;
        }
        let c = &mut self.consumers[ci];
        c.fill = got;
        c.fill_seq = c.fill_seq.wrapping_add(1);
        let seq = c.fill_seq;
        ctx.schedule(self.window, Tick::Window { consumer: ci, seq });
        true
    }

    /// Hand receivable messages to consumers with free pollers, in turn.
    fn dispatch(&mut self, ctx: &mut Ctx) {
        let n = self.consumers.len();
        if n == 0 {
            return;
        }
        while self.n_receivable > 0 {
            let mut progressed = false;
            for k in 0..n {
                if self.n_receivable == 0 {
                    break;
                }
                let ci = (self.rr + k) % n;
                let before = self.receives + self.expired;
                self.serve(ci, ctx);
                progressed |= self.receives + self.expired > before;
            }
            self.rr = (self.rr + 1) % n;
            if !progressed {
                break;
            }
        }
        let waiting = self.n_receivable > 0;
        for (ci, c) in self.consumers.iter_mut().enumerate() {
            c.note_idle();
            if waiting && c.lambda && !c.scale_armed && c.limit < c.cap && !c.waiting {
                c.scale_armed = true;
                ctx.schedule(NS_PER_S, Tick::Scale(ci));
            }
        }
    }

    fn on_reply_batch(&mut self, call: CallId, ctx: &mut Ctx) {
        let now = ctx.now();
        let reply = ctx.take_reply(call);
        let slot = u32::try_from(reply.token).unwrap_or(u32::MAX);
        let Some(batch) = self.calls.get_mut(slot as usize).and_then(Option::take) else {
            // not ours: end what came back
            for id in reply.returned {
                ctx.end_message(id, Outcome::Failed);
            }
            return;
        };
        self.free_calls.push(slot);
        self.in_calls -= batch.recs.len() as u64;
        let ci = batch.consumer;
        self.consumers[ci].active -= 1;
        let mut returned_ids = reply.returned;
        returned_ids.sort_unstable();
        let mut returned = Vec::with_capacity(returned_ids.len());
        let mut processed = 0u64;
        for &idx in &batch.recs {
            let r = &self.recs[idx as usize];
            if returned_ids.binary_search(&r.id).is_ok() {
                returned.push(idx);
            } else {
                // processed by the consumer: deleted (the message is the consumer's now)
                processed += 1;
                let residence = now - r.arrived;
                let m = ctx.metrics();
                m.counters.completions += 1;
                m.bucket_completion();
                m.residence.record(residence);
                self.delete(idx, ctx);
            }
        }
        if returned.len() < returned_ids.len() {
            // messages that were not in the batch: nothing to return them to
            let mine: Vec<MsgId> = returned.iter().map(|&i| self.recs[i as usize].id).collect();
            for id in returned_ids {
                if !mine.contains(&id) {
                    ctx.end_message(id, Outcome::Failed);
                }
            }
        }
        if processed > 0 {
            let meter = self.meter;
            let calls = processed.div_ceil(PER_CALL as u64) as f64;
            ctx.metrics().charge(meter, calls);
        }
        match reply.status {
            CallStatus::Busy => {
                // nothing ran: the receive is undone and the messages are visible again
                let total = batch.recs.len() as f64;
                let share = returned.len() as f64 / total;
                let meter = self.meter;
                let m = ctx.metrics();
                if batch.cost.0 > 0.0 {
                    m.charge(meter, -batch.cost.0 * share);
                }
                if batch.cost.1 > 0.0 {
                    m.charge_retry(meter, -batch.cost.1 * share);
                }
                for &idx in returned.iter().rev() {
                    let r = &mut self.recs[idx as usize];
                    r.receives -= 1;
                    let again = r.receives >= 1;
                    let id = r.id;
                    ctx.msg(id).attempt = u16::try_from(r.receives).unwrap_or(u16::MAX);
                    // saturating: the receive may have been counted before the
                    // warm-up ended
                    self.receives = self.receives.saturating_sub(1);
                    if again {
                        self.redeliveries = self.redeliveries.saturating_sub(1);
                        let m = ctx.metrics();
                        m.counters.retries = m.counters.retries.saturating_sub(1);
                    }
                    if self.recs[idx as usize].expired {
                        self.expire_returned(idx, ctx);
                    } else {
                        self.back_to_queue(idx, true, now);
                    }
                }
                if processed == 0 {
                    self.batches = self.batches.saturating_sub(1);
                }
                let c = &mut self.consumers[ci];
                c.waiting = true;
                let target = c.target;
                ctx.wait_for(target);
            }
            status => {
                let reason = match status {
                    CallStatus::Failed(r) => r,
                    CallStatus::Throttled => FailReason::Throttled,
                    _ => FailReason::Error,
                };
                if status == CallStatus::Throttled {
                    self.consumers[ci].throttled = true;
                }
                for idx in returned {
                    let r = &mut self.recs[idx as usize];
                    r.reason = reason;
                    r.st = St::Returning;
                    let due = r.received_at.saturating_add(self.vt);
                    let e = entry(idx, r.generation);
                    let m = ctx.metrics();
                    m.counters.failures += 1;
                    if reason == FailReason::Timeout {
                        m.counters.timeouts += 1;
                    }
                    m.bucket_error();
                    if due <= now {
                        self.on_return(e, ctx);
                    } else {
                        ctx.schedule_at(due, Tick::Return(e));
                    }
                }
            }
        }
        self.consumers[ci].note_idle();
    }

    /// A returned message whose retention ran out while it was with the consumer.
    fn expire_returned(&mut self, idx: u32, ctx: &mut Ctx) {
        let key = self.recs[idx as usize].key;
        self.expire(idx, ctx);
        if self.fifo {
            self.release_group(key);
        }
    }

    /// The visibility timeout of a failed receive is over: the message moves to the
    /// dead-letter queue after its last allowed receive, expires, or is visible again.
    fn on_return(&mut self, e: u64, ctx: &mut Ctx) {
        let Some(idx) = self.rec(e, St::Returning) else {
            return;
        };
        let now = ctx.now();
        let r = &self.recs[idx as usize];
        if r.expired || self.expired_at(idx, now) {
            self.expire_returned(idx, ctx);
            return;
        }
        if self.max_receives.is_some_and(|n| r.receives >= n) {
            let (id, reason, arrived) = (r.id, r.reason, r.arrived);
            self.moved += 1;
            ctx.metrics().residence.record(now - arrived);
            self.delete(idx, ctx);
            ctx.give_up(id, reason);
            return;
        }
        self.back_to_queue(idx, false, now);
    }

    fn on_window(&mut self, ci: usize, seq: u32, ctx: &mut Ctx) {
        let Some(c) = self.consumers.get_mut(ci) else {
            return;
        };
        if c.fill_seq != seq || c.fill.is_empty() {
            return;
        }
        let fill = std::mem::take(&mut c.fill);
        c.fill_seq = c.fill_seq.wrapping_add(1);
        self.launch(ci, fill, ctx);
    }

    fn on_poll(&mut self, ci: usize, ctx: &mut Ctx) {
        let every = self.poll_every;
        let meter = self.meter;
        let Some(c) = self.consumers.get_mut(ci) else {
            return;
        };
        c.note_idle();
        let empty = c.min_idle;
        if c.lambda && !c.received {
            // idle mapping: down to two concurrent batches
            let busy = c.active + u32::from(!c.fill.is_empty());
            c.limit = c.limit.min(ESM_IDLE.min(c.cap).max(busy));
        }
        c.received = false;
        c.min_idle = c.idle();
        if empty > 0 {
            self.empty += u64::from(empty);
            ctx.metrics().charge(meter, f64::from(empty));
        }
        ctx.schedule(every, Tick::Poll(ci));
    }

    fn on_scale(&mut self, ci: usize, ctx: &mut Ctx) {
        let waiting = self.n_receivable > 0;
        let Some(c) = self.consumers.get_mut(ci) else {
            return;
        };
        c.scale_armed = false;
        if waiting && !c.throttled && !c.waiting {
            c.limit = (c.limit + ESM_STEP_PER_S).min(c.cap);
        }
        c.throttled = false;
        self.dispatch(ctx);
    }
}

impl Behaviour for SqsB {
    fn start(&mut self, ctx: &mut Ctx) {
        for ci in 0..self.consumers.len() {
            ctx.schedule(self.poll_every, Tick::Poll(ci));
        }
    }

    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let (from, reason, size) = {
            let m = ctx.msg(id);
            (m.from, m.reason, m.size)
        };
        let dead = reason != FailReason::None
            && self.dl_source.get(from.index()).copied().unwrap_or(false);
        if dead {
            self.by_reason[reason as usize] += 1;
            if let Some(n) = self.by_source.get_mut(from.index()) {
                *n += 1;
            }
        } else if let Some(tb) = &mut self.throughput
            && !tb.try_take(now)
        {
            self.throttled_sends += 1;
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        // a redrive from another queue is internal; everything else is a SendMessage
        if !(dead && ctx.kind_of(from) == Kind::SqsQueue) {
            let meter = self.meter;
            ctx.metrics().charge(meter, chunks(u64::from(size)));
        }
        self.accept(id, ctx);
        self.dispatch(ctx);
        self.levels(ctx);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        let tick = timer.get();
        match tick {
            Some(Tick::Delay) => self.on_delay(ctx),
            Some(Tick::Expire) => self.on_expire(ctx),
            Some(Tick::Return(e)) => self.on_return(e, ctx),
            Some(Tick::Window { consumer, seq }) => self.on_window(consumer, seq, ctx),
            Some(Tick::Poll(ci)) => self.on_poll(ci, ctx),
            Some(Tick::Scale(ci)) => self.on_scale(ci, ctx),
            Some(Tick::Gauge) => self.gauge_armed = false,
            None => {}
        }
        if !matches!(tick, Some(Tick::Poll(_))) {
            self.dispatch(ctx);
        }
        self.levels(ctx);
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        self.on_reply_batch(call, ctx);
        self.dispatch(ctx);
        self.levels(ctx);
    }

    fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        for c in &mut self.consumers {
            if c.target == from {
                c.waiting = false;
            }
        }
        self.dispatch(ctx);
        self.levels(ctx);
    }

    fn held(&self) -> u64 {
        self.live - self.in_calls
    }

    fn sources(&self) -> Vec<(CompId, u64)> {
        self.by_source
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (CompId::at(i), *n))
            .collect()
    }

    /// The counts restart; `peak_batches_in_flight` restarts from the batches in
    /// flight now.
    fn warm_up_ended(&mut self, _now: SimTime) {
        self.receives = 0;
        self.redeliveries = 0;
        self.moved = 0;
        self.expired = 0;
        self.empty = 0;
        self.throttled_sends = 0;
        self.batches = 0;
        self.by_reason = [0; 5];
        self.by_source.iter_mut().for_each(|n| *n = 0);
        for c in &mut self.consumers {
            c.peak = c.active;
        }
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let mut out = vec![
            ("batches".to_owned(), self.batches as f64),
            ("receives".to_owned(), self.receives as f64),
            ("redeliveries".to_owned(), self.redeliveries as f64),
            ("moved_to_dlq".to_owned(), self.moved as f64),
            ("expired_retention".to_owned(), self.expired as f64),
            ("empty_receives".to_owned(), self.empty as f64),
        ];
        if self.fifo {
            out.push(("throttled_sends".to_owned(), self.throttled_sends as f64));
        }
        let dead: u64 = self.by_reason.iter().sum();
        if dead > 0 {
            out.push(("dead_letters".to_owned(), dead as f64));
            for r in [
                FailReason::Error,
                FailReason::Timeout,
                FailReason::Throttled,
                FailReason::Expired,
            ] {
                let n = self.by_reason[r as usize];
                if n > 0 {
                    out.push((format!("reason_{}", r.as_str()), n as f64));
                }
            }
        }
        if !self.consumers.is_empty() {
            let peak = self.consumers.iter().map(|c| c.peak).max().unwrap_or(0);
            out.push(("peak_batches_in_flight".to_owned(), f64::from(peak)));
        }
        out
    }
}

/// A consumer of the queue behind delivery link `link` to component `target` of kind
/// `kind`.
fn consumer(
    p: &SqsQueue,
    link: LinkId,
    target: CompId,
    kind: &ComponentKind,
) -> Result<Consumer, String> {
    let lambda = matches!(kind, ComponentKind::Lambda(_));
    let cap = if lambda {
        match p.max_concurrency {
            None => ESM_MAX,
            Some(m) if (ESM_IDLE..=ESM_MAX).contains(&m) => m,
            Some(m) => {
                return Err(format!(
                    "max_concurrency must be between 2 and 1000 for a Lambda consumer (event-source mapping MaximumConcurrency), got {m}"
                ));
            }
        }
    } else {
        let default = match kind {
            // enough pollers to fill every slot of the largest fleet
            ComponentKind::ContainerService(c) => c.max_slots(),
            _ => DEFAULT_POLLERS,
        };
        p.max_concurrency.unwrap_or(default).max(1)
    };
    let limit = if lambda { ESM_START.min(cap) } else { cap };
    Ok(Consumer {
        link,
        target,
        lambda,
        mode: if p.report_batch_item_failures {
            CallMode::ConsumePartial
        } else {
            CallMode::Consume
        },
        cap,
        limit,
        active: 0,
        waiting: false,
        fill: Vec::new(),
        fill_seq: 0,
        fill_cost: (0.0, 0.0),
        min_idle: limit,
        received: false,
        throttled: false,
        scale_armed: false,
        peak: 0,
    })
}

/// The queue's behaviour and metrics, for a design of `components` components of which
/// those marked in `dl_source` dead-letter into it.
fn queue(
    p: &SqsQueue,
    consumers: Vec<Consumer>,
    dl_source: Vec<bool>,
    gauge_every: SimTime,
) -> (SqsB, ComponentMetrics) {
    let n = dl_source.len();
    let mut metrics = ComponentMetrics::new(0);
    let meter = metrics.add_meter(if p.fifo { "fifo_requests" } else { "requests" });
    let gauge = metrics.add_gauge("oldest_age_s");
    let behaviour = SqsB {
        fifo: p.fifo,
        vt: p.visibility_timeout.ns.max(1),
        retention: p.retention.ns.max(1),
        max_receives: p.max_receive_count,
        delay: p.delivery_delay.ns,
        batch_size: usize::try_from(p.batch_size.max(1)).unwrap_or(usize::MAX),
        window: p.batch_window.ns,
        poll_every: if p.long_poll.ns == 0 {
            NS_PER_S
        } else {
            p.long_poll.ns
        },
        gauge_every: gauge_every.max(1),
        throughput: p
            .fifo
            .then(|| TokenBucket::new(p.fifo_throughput_per_s, p.fifo_throughput_per_s.max(1.0))),
        meter,
        gauge,
        recs: Vec::new(),
        free: Vec::new(),
        live: 0,
        in_calls: 0,
        next_seq: 0,
        by_arrival: VecDeque::new(),
        expire_armed: false,
        delayed: VecDeque::new(),
        delay_armed: false,
        visible: VecDeque::new(),
        groups: BTreeMap::new(),
        ready: VecDeque::new(),
        n_visible: 0,
        n_delayed: 0,
        n_receivable: 0,
        consumers,
        rr: 0,
        calls: Vec::new(),
        free_calls: Vec::new(),
        gauge_armed: false,
        dl_source,
        by_reason: [0; 5],
        by_source: vec![0; n],
        receives: 0,
        redeliveries: 0,
        moved: 0,
        expired: 0,
        empty: 0,
        throttled_sends: 0,
        batches: 0,
    };
    (behaviour, metrics)
}

impl Build for SqsQueue {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &SqsQueue, env: &mut BuildEnv) -> Result<Built, String> {
    let me_id = env
        .doc
        .components
        .get(env.me.index())
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let mut dl_source = vec![false; env.doc.components.len()];
    for conn in &env.doc.connections {
        let into_me_as_dlq = (conn.to == me_id
            && matches!(conn.kind, LinkKind::DeadLetter | LinkKind::OnFailure))
            || conn.dead_letter.as_deref() == Some(me_id.as_str());
        if into_me_as_dlq && let Some(i) = env.component_index(&conn.from) {
            dl_source[i] = true;
        }
    }
    let consumers = env
        .delivery
        .iter()
        .map(|l| consumer(p, l.link, l.target, l.target_kind))
        .collect::<Result<Vec<_>, _>>()?;
    let (behaviour, metrics) = queue(p, consumers, dl_source, env.doc.scenario.bucket_width().ns);
    Ok(Built {
        behaviour: Box::new(behaviour),
        metrics,
        routing: crate::model::Routing::FanOut,
    })
}

#[cfg(test)]
mod tests {
    //! Paths that need consumers answering Busy, failing single messages or being a
    //! Lambda function: a scripted consumer stands in for them, and the simulation is
    //! assembled by hand around it.

    use super::*;
    use crate::model::{ComponentKind, from_ron_str};
    use crate::sim::aws::testkit::{Nth, assemble, link, outputs, producer};
    use crate::sim::basic::DeadLetterB;
    use crate::sim::report::Report;

    /// `slots` batches at once (Busy beyond), each taking `run_ns`; messages created by
    /// component `poison` fail.
    struct Scripted {
        slots: u32,
        run_ns: SimTime,
        poison: CompId,
        held: Vec<(CallId, Vec<MsgId>)>,
    }

    impl Behaviour for Scripted {
        fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
            ctx.deliver_here(msg);
        }

        fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
            let msgs = ctx.take_call_messages(call);
            if self.held.len() as u32 >= self.slots {
                ctx.reply(call, CallStatus::Busy, msgs, 0);
                return;
            }
            self.held.push((call, msgs));
            ctx.schedule(self.run_ns, Nth(call.index()));
        }

        fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
            let Some(Nth(k)) = timer.get() else { return };
            let call = CallId::at(k);
            let pos = self.held.iter().position(|(c, _)| *c == call).unwrap();
            let (_, msgs) = self.held.remove(pos);
            let (bad, good): (Vec<MsgId>, Vec<MsgId>) = msgs
                .iter()
                .partition(|&&id| ctx.msg(id).origin == self.poison);
            if bad.is_empty() {
                let n = good.len() as u32;
                for id in good {
                    ctx.deliver_here(id);
                }
                ctx.reply(call, CallStatus::Ok, Vec::new(), n);
            } else if ctx.call_mode(call) == CallMode::ConsumePartial {
                let n = good.len() as u32;
                for id in good {
                    ctx.deliver_here(id);
                }
                ctx.reply(call, CallStatus::Failed(FailReason::Error), bad, n);
            } else {
                ctx.reply(call, CallStatus::Failed(FailReason::Error), msgs, 0);
            }
            ctx.wake_waiters();
        }

        fn held(&self) -> u64 {
            self.held.iter().map(|(_, m)| m.len() as u64).sum()
        }
    }

    /// ok (0) and poison (1) producers -> queue (2) -> scripted consumer (3), with a
    /// dead-letter queue (4). `ok` / `bad` = (rate per s, events).
    fn scripted_run(
        queue_params: &str,
        lambda: bool,
        slots: u32,
        run_ms: u64,
        ok: (f64, u64),
        bad: (f64, u64),
        duration: &str,
    ) -> Report {
        let consumer_kind = if lambda { "Lambda()" } else { "Station()" };
        let doc = from_ron_str(&format!(
            r#"(
            scenario: (duration: "{duration}"),
            components: [
                (id: "ok", kind: Producer()), (id: "poison", kind: Producer()),
                (id: "q", kind: SqsQueue({queue_params})),
                (id: "c", kind: {consumer_kind}), (id: "dlq", kind: DeadLetterQueue()),
            ],
        )"#
        ))
        .unwrap();
        let ComponentKind::SqsQueue(p) = &doc.components[2].kind else {
            unreachable!()
        };
        let c = consumer(p, LinkId::new(2), CompId::new(3), &doc.components[3].kind).unwrap();
        let (q, qm) = queue(p, vec![c], vec![false; 5], NS_PER_S);
        let scripted = Scripted {
            slots,
            run_ns: run_ms * 1_000_000,
            poison: CompId::new(1),
            held: Vec::new(),
        };
        let none = ComponentMetrics::new;
        let mut sim = assemble(
            &doc,
            vec![
                (
                    Box::new(producer(ok.0, ok.1)),
                    none(0),
                    outputs(vec![0], vec![]),
                ),
                (
                    Box::new(producer(bad.0, bad.1)),
                    none(0),
                    outputs(vec![1], vec![]),
                ),
                (Box::new(q), qm, outputs(vec![2], vec![3])),
                (Box::new(scripted), none(0), outputs(vec![], vec![])),
                (
                    Box::new(DeadLetterB::new(5)),
                    none(0),
                    outputs(vec![], vec![]),
                ),
            ],
            vec![link(2), link(2), link(3), link(4)],
            1024.0,
            Vec::new(),
        );
        sim.run();
        let r = sim.report();
        assert!(r.ledger.balanced, "{:?}", r.ledger);
        r
    }

    fn extra(r: &Report, key: &str) -> f64 {
        r.components["q"].extra[key]
    }

    #[test]
    fn busy_consumer_gets_its_batches_back_unreceived_and_wakes_the_poller() {
        // 10 messages at 1..=10 ms, batches of 1, five pollers, a consumer with two
        // slots taking 1 s each: two finish per second, the last at about 5 s. Busy
        // answers undo the receive, so each message is received exactly once.
        let r = scripted_run(
            "max_concurrency: 5, batch_size: 1",
            false,
            2,
            1000,
            (1000.0, 10),
            (1.0, 0),
            "10s",
        );
        assert_eq!(extra(&r, "receives"), 10.0);
        assert_eq!(extra(&r, "redeliveries"), 0.0);
        assert_eq!(extra(&r, "batches"), 10.0);
        let q = &r.components["q"];
        assert_eq!(q.counters.completions, 10);
        assert_eq!(q.counters.failures, 0);
        assert_eq!(r.ledger.producers["ok"].delivered, 10);
        let lat = &r.end_to_end[0].latency_ms;
        assert!((4_980.0..=5_010.0).contains(&lat.max), "{lat:?}");
        // 10 sends + 10 receives + 10 deletes (batches of 1); the Busy receives are
        // refunded; empty receives: none in 10 s (long poll 20 s)
        let u = &q.usage["requests"];
        assert!((u.amount - 30.0).abs() < 1e-9, "{u:?}");
    }

    #[test]
    fn a_failed_batch_returns_whole_unless_partial_batch_responses_are_on() {
        // One batch of 10 with one poison message; maxReceiveCount 2.
        let params = "visibility_timeout: \"5s\", max_receive_count: 2, batch_window: \"1s\"";
        let r = scripted_run(params, false, 100, 100, (1000.0, 9), (200.0, 1), "30s");
        assert_eq!(extra(&r, "receives"), 20.0, "the whole batch, twice");
        assert_eq!(r.components["dlq"].counters.arrivals, 10);
        assert_eq!(r.ledger.producers["ok"].dead_lettered, 9);
        let partial = format!("{params}, report_batch_item_failures: true");
        let r = scripted_run(&partial, false, 100, 100, (1000.0, 9), (200.0, 1), "30s");
        assert_eq!(extra(&r, "receives"), 11.0, "nine once, the poison twice");
        assert_eq!(r.ledger.producers["ok"].delivered, 9);
        assert_eq!(r.ledger.producers["poison"].dead_lettered, 1);
        assert_eq!(r.components["dlq"].extra["reason_error"], 1.0);
    }

    #[test]
    fn lambda_mapping_scales_by_300_batches_a_minute_up_to_its_maximum() {
        // A backlog of 20,000 messages and batches that take 100 s: the mapping starts
        // with 5 concurrent batches and adds 5 a second: 300 by 59 s.
        let r = scripted_run(
            "",
            true,
            1_000_000,
            100_000,
            (1e6, 20_000),
            (1.0, 0),
            "59.5s",
        );
        assert_eq!(extra(&r, "peak_batches_in_flight"), 300.0);
        let r = scripted_run(
            "max_concurrency: 50",
            true,
            1_000_000,
            100_000,
            (1e6, 20_000),
            (1.0, 0),
            "59.5s",
        );
        assert_eq!(extra(&r, "peak_batches_in_flight"), 50.0);
        let p = SqsQueue {
            max_concurrency: Some(1),
            ..SqsQueue::default()
        };
        let lambda = ComponentKind::Lambda(crate::model::aws::LambdaFunction::default());
        let station = ComponentKind::Station(crate::model::Station::default());
        assert!(consumer(&p, LinkId::new(0), CompId::new(0), &lambda).is_err());
        assert!(consumer(&p, LinkId::new(0), CompId::new(0), &station).is_ok());
    }

    #[test]
    fn default_pollers_fill_a_container_fleet_and_are_10_for_other_kinds() {
        use crate::model::aws::{Autoscale, ContainerService};
        let p = SqsQueue::default();
        let fixed = ContainerService {
            replicas: 3,
            concurrency_per_replica: 4,
            ..ContainerService::default()
        };
        let scaled = ContainerService {
            autoscale: Some(Autoscale {
                max_replicas: 20,
                ..Autoscale::default()
            }),
            ..fixed.clone()
        };
        let cap = |k: ComponentKind| {
            consumer(&p, LinkId::new(0), CompId::new(0), &k)
                .unwrap()
                .cap
        };
        assert_eq!(cap(ComponentKind::ContainerService(fixed)), 12);
        assert_eq!(cap(ComponentKind::ContainerService(scaled.clone())), 80);
        assert_eq!(
            cap(ComponentKind::Station(crate::model::Station::default())),
            10
        );
        let set = SqsQueue {
            max_concurrency: Some(7),
            ..SqsQueue::default()
        };
        let k = ComponentKind::ContainerService(scaled);
        assert_eq!(
            consumer(&set, LinkId::new(0), CompId::new(0), &k)
                .unwrap()
                .cap,
            7
        );
    }
}
