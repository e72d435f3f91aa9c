//! Ordered per-shard consumption of a retained log (Kinesis stream, Kafka topic,
//! DynamoDB stream) by event-source mappings, and the byte/record token buckets the
//! owners of such logs use for their write limits.
//!
//! Every consumer (delivery link) reads every record: per consumer and shard there are
//! `parallelization_factor` ordered lanes (records with the same key share a lane), each
//! with at most one batch in flight. A batch whose call fails blocks its lane: it is
//! retried with backoff until it succeeds, its invocation errors exceed
//! `max_retry_attempts`, or its oldest record passes the maximum record age; then its
//! records go to the owner's on-failure links and the lane moves on. Throttled calls do
//! not count as errors (they are retried until the records are too old), a Busy callee
//! is waited for, and `bisect_on_error` halves a batch whose invocation errored:
//! <https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md>,
//! <https://github.com/awsdocs/aws-lambda-developer-guide/blob/03f7fcb0b771f031f7cb3aa43e8b18407c00b3a8/doc_source/with-kinesis.md>.

use std::collections::VecDeque;

use rand::Rng;

use crate::model::NS_PER_S;
use crate::model::aws::EventSourceMapping;
use crate::sim::timer::{ESM_TAGS, Fired, Timer};
use crate::sim::{
    CallId, CallMode, CallStatus, ComponentMetrics, Ctx, FailReason, MsgId, NO_KEY, Outcome,
    SimTime,
};
use crate::sim::{CompId, LinkId};

/// The mapping's timers, in the tag range [`ESM_TAGS`] so that its owner's own timers
/// (below [`crate::sim::SHARED_TAGS`]) stay apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// A lane's poll, retry or expiry is due (its index).
    Lane(usize),
    /// The iterator-age gauge is sampled.
    Gauge,
    /// Records past retention are swept.
    Sweep,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Lane(l) => (ESM_TAGS, l as u64),
            Tick::Gauge => (ESM_TAGS + 1, 0),
            Tick::Sweep => (ESM_TAGS + 2, 0),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        match tag.checked_sub(ESM_TAGS)? {
            0 => Some(Tick::Lane(usize::try_from(data).unwrap_or(usize::MAX))),
            1 => Some(Tick::Gauge),
            2 => Some(Tick::Sweep),
            _ => None,
        }
    }
}

/// Gauge resolution: the iterator age is sampled once per second.
const GAUGE_TICK: SimTime = NS_PER_S;
/// Records past the retention are swept out at most this often (so they may outlive
/// it by up to a second).
const SWEEP_GAP: SimTime = NS_PER_S;
/// First retry delay of a failed batch (ours: AWS does not publish the backoff).
const RETRY_BASE: SimTime = NS_PER_S;
/// Longest retry delay of a failed batch (ours).
const RETRY_CAP: SimTime = 60 * NS_PER_S;
/// Bytes in a GB for the GB meters: 2^30.
pub(crate) const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// Delay before retry number `n` (1 = first) of a failed batch: 1 s doubling, capped at
/// 60 s, without jitter (ours).
pub(crate) fn retry_delay(n: u32) -> SimTime {
    let shift = n.saturating_sub(1).min(16);
    (RETRY_BASE << shift).min(RETRY_CAP)
}

/// A stable 64-bit mix of a partition key (stands in for Kinesis' MD5 of the key).
#[must_use]
pub(crate) fn key_hash(key: u32) -> u64 {
    let mut z = u64::from(key).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Shard of a record: hash of its key modulo the shard count, a random shard when it
/// has no key.
pub(crate) fn shard_of(key: u32, shards: u32, ctx: &mut Ctx) -> u32 {
    let n = shards.max(1);
    if key == NO_KEY {
        ctx.rng().random_range(0..n)
    } else {
        (key_hash(key) % u64::from(n)) as u32
    }
}

/// A token bucket that takes any amount at once (records, bytes, capacity units).
/// A request larger than the whole bucket is admitted when the bucket is full and
/// leaves it in debt, so oversized items are slowed down, not refused for ever.
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    rate_per_ns: f64,
    cap: f64,
    tokens: f64,
    last: SimTime,
}

impl Bucket {
    /// A full bucket of `burst` tokens refilled at `rate_per_s`.
    pub(crate) fn new(rate_per_s: f64, burst: f64) -> Self {
        Bucket {
            rate_per_ns: rate_per_s / NS_PER_S as f64,
            cap: burst,
            tokens: burst,
            last: 0,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.last) as f64;
        self.tokens = (self.tokens + dt * self.rate_per_ns).min(self.cap);
        self.last = self.last.max(now);
    }

    /// Whether `n` tokens can be taken at `now`.
    pub(crate) fn has(&mut self, now: SimTime, n: f64) -> bool {
        self.refill(now);
        self.tokens >= n.min(self.cap)
    }

    /// Take `n` tokens (after [`Bucket::has`] said yes).
    pub(crate) fn take(&mut self, n: f64) {
        self.tokens -= n;
    }

    /// Whether the bucket has refilled completely (nothing to remember about it).
    pub(crate) fn is_full(&mut self, now: SimTime) -> bool {
        self.refill(now);
        self.tokens >= self.cap
    }
}

/// Compiled consumer settings.
#[derive(Clone, Debug)]
pub(crate) struct EsmCfg {
    batch_size: usize,
    window: SimTime,
    pf: u32,
    max_retries: Option<u32>,
    /// Effective maximum record age: the setting, at most the retention.
    max_age: SimTime,
    retention: SimTime,
    bisect: bool,
    partial: bool,
    poll: SimTime,
}

impl EsmCfg {
    /// Compile the settings of a stream with the given retention.
    pub(crate) fn new(m: &EventSourceMapping, retention: SimTime) -> Self {
        let retention = retention.max(1);
        EsmCfg {
            batch_size: m.batch_size.max(1) as usize,
            window: m.batch_window.ns,
            pf: m.parallelization_factor.clamp(1, 10),
            max_retries: m.max_retry_attempts,
            max_age: m.max_record_age.map_or(retention, |a| a.ns.min(retention)),
            retention,
            bisect: m.bisect_on_error,
            partial: m.report_batch_item_failures,
            poll: m.poll_interval.ns.max(1),
        }
    }
}

/// What to do with a batch whose call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Retry at this time.
    Retry(SimTime),
    /// Split in two and retry the halves at once.
    Bisect,
    /// Hand the records to the on-failure links with this reason.
    GiveUp(FailReason),
}

/// Decide what follows a failed call of a batch of `len` records whose oldest record
/// entered the stream at `oldest`: `errors` invocation errors were counted before this
/// one and `failed` calls failed before this one (both for the backoff). Returns the
/// decision and the new error count. Throttles do not count as errors and are never
/// bisected; bisecting does not count either.
pub(crate) fn after_failure(
    cfg: &EsmCfg,
    errors: u32,
    failed: u32,
    len: usize,
    reason: FailReason,
    oldest: SimTime,
    now: SimTime,
) -> (Next, u32) {
    let counted = reason != FailReason::Throttled;
    if counted && cfg.bisect && len > 1 {
        return (Next::Bisect, errors);
    }
    let errors = errors + u32::from(counted);
    if counted && cfg.max_retries.is_some_and(|m| errors > m) {
        return (Next::GiveUp(reason), errors);
    }
    let deadline = oldest.saturating_add(cfg.max_age);
    if now >= deadline {
        return (Next::GiveUp(FailReason::Expired), errors);
    }
    let at = now.saturating_add(retry_delay(failed + 1)).min(deadline);
    (Next::Retry(at), errors)
}

/// A record in a lane: the message and when it entered the stream.
#[derive(Clone, Copy, Debug)]
struct Rec {
    id: MsgId,
    at: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The call is out.
    InCall,
    /// Waiting to be (re)sent at this time.
    Ready(SimTime),
    /// The callee was busy; waiting for it to wake us.
    Busy,
}

#[derive(Debug)]
struct Batch {
    /// Records in stream order.
    recs: Vec<Rec>,
    /// Invocation errors counted so far.
    errors: u32,
    /// Failed calls so far (for the backoff).
    failed: u32,
    state: State,
    /// The next call re-reads the batch after a failure.
    retry: bool,
    /// The next call only repeats one the callee was too busy to take.
    resend: bool,
}

#[derive(Debug, Default)]
struct Lane {
    consumer: usize,
    queue: VecDeque<Rec>,
    /// Halves of bisected batches waiting, ahead of the queue, with their error counts.
    pending: VecDeque<(Vec<Rec>, u32)>,
    batch: Option<Batch>,
    /// Offset of this lane's poll instants.
    phase: SimTime,
    /// The poller has just finished a batch and reads again at once.
    active: bool,
    timer_at: Option<SimTime>,
}

impl Lane {
    fn oldest(&self) -> Option<SimTime> {
        self.batch
            .as_ref()
            .and_then(|b| b.recs.first())
            .or_else(|| self.pending.front().and_then(|(r, _)| r.first()))
            .or_else(|| self.queue.front())
            .map(|r| r.at)
    }
}

#[derive(Debug)]
struct Consumer {
    link: LinkId,
    target: CompId,
    /// Lanes whose batch waits for the callee to have a free slot.
    waiting: Vec<usize>,
}

/// The consumers of one ordered log: lanes, batches and their figures.
pub(crate) struct Esm {
    cfg: EsmCfg,
    shards: u32,
    consumers: Vec<Consumer>,
    lanes: Vec<Lane>,
    /// Records queued in lanes, not yet read.
    unread: u64,
    /// Batches out as calls.
    in_calls: u64,
    gauge: usize,
    gb_out: Option<usize>,
    batches: u64,
    retried: u64,
    bisections: u64,
    consumed: u64,
    max_age_seen: SimTime,
    sweep_armed: bool,
    matched: Vec<usize>,
}

impl Esm {
    /// Consumers reading `shards` shards through the given delivery links
    /// `(link, target)`; registers the `iterator_age_s` gauge. `gb_out` is the meter
    /// charged with the bytes each read (and re-read) returns, if the service bills it.
    pub(crate) fn new(
        cfg: EsmCfg,
        shards: u32,
        links: &[(LinkId, CompId)],
        m: &mut ComponentMetrics,
        gb_out: Option<usize>,
    ) -> Self {
        let shards = shards.max(1);
        let per_consumer = shards as usize * cfg.pf as usize;
        let lanes = (0..links.len() * per_consumer)
            .map(|i| Lane {
                consumer: i / per_consumer,
                ..Lane::default()
            })
            .collect();
        Esm {
            shards,
            consumers: links
                .iter()
                .map(|&(link, target)| Consumer {
                    link,
                    target,
                    waiting: Vec::new(),
                })
                .collect(),
            lanes,
            unread: 0,
            in_calls: 0,
            gauge: m.add_gauge("iterator_age_s"),
            gb_out,
            batches: 0,
            retried: 0,
            bisections: 0,
            consumed: 0,
            max_age_seen: 0,
            sweep_armed: false,
            matched: Vec::new(),
            cfg,
        }
    }

    /// Whether any consumer reads the log.
    pub(crate) fn has_consumers(&self) -> bool {
        !self.consumers.is_empty()
    }

    /// Draw each lane's poll phase and start the gauge.
    pub(crate) fn start(&mut self, ctx: &mut Ctx) {
        if self.lanes.is_empty() {
            return;
        }
        let poll = self.cfg.poll;
        for lane in &mut self.lanes {
            lane.phase = ctx.rng().random_range(0..poll);
        }
        ctx.schedule(GAUGE_TICK, Tick::Gauge);
    }

    /// Append a record written to `shard`: each consumer whose link filter matches gets
    /// it (copies for the second and later); none matching = filtered.
    pub(crate) fn append(&mut self, shard: u32, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let key = ctx.msg(id).key;
        let pf = self.cfg.pf;
        let sub = if pf == 1 {
            0
        } else if key == NO_KEY {
            ctx.rng().random_range(0..pf)
        } else {
            ((key_hash(key) >> 32) % u64::from(pf)) as u32
        };
        let mut matched = std::mem::take(&mut self.matched);
        matched.clear();
        matched.extend(
            (0..self.consumers.len()).filter(|&c| ctx.link_matches(self.consumers[c].link, id)),
        );
        if matched.is_empty() {
            ctx.metrics().counters.filtered += 1;
            ctx.end_message(id, Outcome::Filtered);
            self.matched = matched;
            return;
        }
        let per_consumer = (self.shards * pf) as usize;
        for (n, &c) in matched.iter().enumerate() {
            let rid = if n + 1 == matched.len() {
                id
            } else {
                ctx.copy_message(id)
            };
            let l = c * per_consumer + (shard % self.shards * pf + sub) as usize;
            self.lanes[l].queue.push_back(Rec { id: rid, at: now });
            self.unread += 1;
        }
        let unread = self.unread;
        ctx.metrics().depth.set(now, unread);
        if !self.sweep_armed {
            self.sweep_armed = true;
            ctx.schedule(self.cfg.retention, Tick::Sweep);
        }
        for &c in &matched {
            let l = c * per_consumer + (shard % self.shards * pf + sub) as usize;
            self.service(l, ctx);
        }
        self.matched = matched;
    }

    /// Handle a timer of this module; false when the timer is not ours.
    pub(crate) fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) -> bool {
        match timer.get() {
            Some(Tick::Lane(l)) => {
                if l < self.lanes.len() && self.lanes[l].timer_at == Some(ctx.now()) {
                    self.lanes[l].timer_at = None;
                    self.service(l, ctx);
                }
                true
            }
            Some(Tick::Gauge) => {
                self.sample_gauge(ctx);
                ctx.schedule(GAUGE_TICK, Tick::Gauge);
                true
            }
            Some(Tick::Sweep) => {
                self.sweep(ctx);
                true
            }
            None => false,
        }
    }

    fn sample_gauge(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let age = self
            .lanes
            .iter()
            .filter_map(Lane::oldest)
            .map(|at| now.saturating_sub(at))
            .max()
            .unwrap_or(0);
        self.max_age_seen = self.max_age_seen.max(age);
        let g = self.gauge;
        ctx.metrics().set_gauge(g, now, age / NS_PER_S);
    }

    /// Expire unread records past the retention in every lane (also behind blocked
    /// batches), give up batches stuck waiting for a busy consumer past their maximum
    /// age, and plan the next sweep.
    fn sweep(&mut self, ctx: &mut Ctx) {
        self.sweep_armed = false;
        let now = ctx.now();
        let retention = self.cfg.retention;
        let max_age = self.cfg.max_age;
        let mut next: Option<SimTime> = None;
        for l in 0..self.lanes.len() {
            while let Some(h) = self.lanes[l].queue.front().copied()
                && now >= h.at.saturating_add(retention)
            {
                self.lanes[l].queue.pop_front();
                self.unread -= 1;
                Self::expire(h.id, ctx);
            }
            let stuck = self.lanes[l].batch.as_ref().is_some_and(|b| {
                b.state == State::Busy
                    && b.recs
                        .first()
                        .is_some_and(|r| now >= r.at.saturating_add(max_age))
            });
            if stuck {
                self.give_up_batch(l, FailReason::Expired, ctx);
                self.service(l, ctx);
            }
            let lane = &self.lanes[l];
            let due = lane
                .queue
                .front()
                .map(|h| h.at.saturating_add(retention))
                .into_iter()
                .chain(
                    lane.batch
                        .as_ref()
                        .filter(|b| b.state == State::Busy)
                        .and_then(|b| b.recs.first())
                        .map(|r| r.at.saturating_add(max_age)),
                )
                .min();
            if let Some(t) = due {
                next = Some(next.map_or(t, |n: SimTime| n.min(t)));
            }
        }
        let unread = self.unread;
        ctx.metrics().depth.set(now, unread);
        if let Some(t) = next {
            self.sweep_armed = true;
            ctx.schedule_at(t.max(now.saturating_add(SWEEP_GAP)), Tick::Sweep);
        }
    }

    /// Ask for lane `l` to be served at `t` (keeps only the earliest request).
    fn arm(&mut self, l: usize, t: SimTime, ctx: &mut Ctx) {
        let lane = &mut self.lanes[l];
        if lane.timer_at.is_none_or(|x| t < x) {
            lane.timer_at = Some(t);
            ctx.schedule_at(t, Tick::Lane(l));
        }
    }

    /// The next poll instant of lane `l` at or after `t`.
    fn poll_at(&self, l: usize, t: SimTime) -> SimTime {
        let phase = self.lanes[l].phase;
        if t <= phase {
            return phase;
        }
        let p = self.cfg.poll;
        phase + (t - phase).div_ceil(p) * p
    }

    fn expire(id: MsgId, ctx: &mut Ctx) {
        let m = ctx.metrics();
        m.counters.expired += 1;
        m.bucket_error();
        ctx.end_message(id, Outcome::Expired);
    }

    /// Do whatever is due in lane `l`: expire unread records past the retention, retry
    /// or give up a waiting batch, start the next batch when the poller would, and arm
    /// the lane's timer for the next thing due.
    fn service(&mut self, l: usize, ctx: &mut Ctx) {
        let now = ctx.now();
        let retention = self.cfg.retention;
        let max_age = self.cfg.max_age;
        loop {
            let mut dropped = false;
            while let Some(h) = self.lanes[l].queue.front().copied()
                && now >= h.at.saturating_add(retention)
            {
                self.lanes[l].queue.pop_front();
                self.unread -= 1;
                dropped = true;
                Self::expire(h.id, ctx);
            }
            if let Some(b) = &self.lanes[l].batch {
                match b.state {
                    State::InCall | State::Busy => break,
                    State::Ready(at) => {
                        let deadline = b.recs.first().map_or(now, |r| r.at) + max_age;
                        if now >= deadline {
                            self.give_up_batch(l, FailReason::Expired, ctx);
                            continue;
                        }
                        if now >= at {
                            self.invoke(l, ctx);
                        } else {
                            self.arm(l, at.min(deadline), ctx);
                        }
                        break;
                    }
                }
            }
            if let Some((recs, errors)) = self.lanes[l].pending.pop_front() {
                self.lanes[l].batch = Some(Batch {
                    recs,
                    errors,
                    failed: 0,
                    state: State::Ready(now),
                    retry: true,
                    resend: false,
                });
                continue;
            }
            // records the mapping will no longer send: older than the maximum age
            while let Some(h) = self.lanes[l].queue.front().copied()
                && now >= h.at.saturating_add(max_age)
            {
                self.lanes[l].queue.pop_front();
                self.unread -= 1;
                dropped = true;
                ctx.give_up(h.id, FailReason::Expired);
            }
            if dropped {
                let unread = self.unread;
                ctx.metrics().depth.set(now, unread);
            }
            let Some(head) = self.lanes[l].queue.front().copied() else {
                self.lanes[l].active = false;
                break;
            };
            let ready_at = if self.lanes[l].queue.len() >= self.cfg.batch_size {
                now
            } else {
                let seen = if self.lanes[l].active {
                    now
                } else {
                    self.poll_at(l, head.at)
                };
                seen.max(head.at.saturating_add(self.cfg.window))
            };
            if now >= ready_at {
                self.start_batch(l, ctx);
            } else {
                self.arm(l, ready_at, ctx);
            }
            break;
        }
    }

    fn start_batch(&mut self, l: usize, ctx: &mut Ctx) {
        let n = self.lanes[l].queue.len().min(self.cfg.batch_size);
        let recs: Vec<Rec> = self.lanes[l].queue.drain(..n).collect();
        self.unread -= n as u64;
        let now = ctx.now();
        let unread = self.unread;
        ctx.metrics().depth.set(now, unread);
        if let Some(meter) = self.gb_out {
            let bytes: u64 = recs.iter().map(|r| u64::from(ctx.msg(r.id).size)).sum();
            ctx.metrics().charge(meter, bytes as f64 / BYTES_PER_GB);
        }
        self.lanes[l].batch = Some(Batch {
            recs,
            errors: 0,
            failed: 0,
            state: State::Ready(now),
            retry: false,
            resend: false,
        });
        self.invoke(l, ctx);
    }

    fn invoke(&mut self, l: usize, ctx: &mut Ctx) {
        let c = self.lanes[l].consumer;
        let link = self.consumers[c].link;
        let mode = if self.cfg.partial {
            CallMode::ConsumePartial
        } else {
            CallMode::Consume
        };
        let Some(b) = self.lanes[l].batch.as_mut() else {
            return;
        };
        b.state = State::InCall;
        let ids: Vec<MsgId> = b.recs.iter().map(|r| r.id).collect();
        if !b.resend {
            self.batches += 1;
        }
        b.resend = false;
        // which try of these records this is, for the callee's bill (a Lambda bills a
        // retried batch as retry cost, like an SQS redelivery): 1 for a fresh batch
        let attempt = if b.retry {
            u16::try_from(b.failed.saturating_add(1))
                .unwrap_or(u16::MAX)
                .max(2)
        } else {
            1
        };
        for &id in &ids {
            ctx.msg(id).attempt = attempt;
        }
        if b.retry {
            b.retry = false;
            self.retried += 1;
            let m = ctx.metrics();
            m.counters.retries += 1;
            if let Some(meter) = self.gb_out {
                let bytes: u64 = ids.iter().map(|&id| u64::from(ctx.msg(id).size)).sum();
                ctx.metrics()
                    .charge_retry(meter, bytes as f64 / BYTES_PER_GB);
            }
        }
        self.lanes[l].active = false;
        self.in_calls += 1;
        let now = ctx.now();
        let busy = self.in_calls;
        ctx.metrics().busy.set(now, busy);
        ctx.invoke(link, ids, mode, l as u64);
    }

    fn give_up_batch(&mut self, l: usize, reason: FailReason, ctx: &mut Ctx) {
        if let Some(b) = self.lanes[l].batch.take() {
            for r in b.recs {
                ctx.give_up(r.id, reason);
            }
        }
        self.lanes[l].active = true;
    }

    /// The answer to one of this module's calls.
    pub(crate) fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        let r = ctx.take_reply(call);
        let l = r.token as usize;
        let Some(b) = self.lanes.get_mut(l).and_then(|lane| lane.batch.as_mut()) else {
            // not ours: nothing to retry it with
            for id in r.returned {
                ctx.end_message(id, Outcome::Failed);
            }
            return;
        };
        self.in_calls = self.in_calls.saturating_sub(1);
        let now = ctx.now();
        let busy = self.in_calls;
        ctx.metrics().busy.set(now, busy);
        // keep what came back, in stream order; the rest the consumer kept
        let before = b.recs.len();
        if r.returned.len() < before {
            let mut back = r.returned;
            back.sort_unstable();
            b.recs.retain(|rec| back.binary_search(&rec.id).is_ok());
        }
        if r.status != CallStatus::Busy {
            self.consumed += (before - b.recs.len()) as u64;
        }
        if b.recs.is_empty() {
            self.lanes[l].batch = None;
            self.lanes[l].active = true;
            self.service(l, ctx);
            return;
        }
        let reason = match r.status {
            CallStatus::Busy => {
                b.state = State::Busy;
                b.resend = true;
                let c = self.lanes[l].consumer;
                let target = self.consumers[c].target;
                self.consumers[c].waiting.push(l);
                ctx.wait_for(target);
                return;
            }
            CallStatus::Throttled => FailReason::Throttled,
            CallStatus::Failed(reason) => reason,
            CallStatus::Ok | CallStatus::Pending => FailReason::Error,
        };
        let m = ctx.metrics();
        m.counters.failures += 1;
        m.bucket_error();
        let oldest = b.recs.first().map_or(now, |r| r.at);
        let (next, errors) = after_failure(
            &self.cfg,
            b.errors,
            b.failed,
            b.recs.len(),
            reason,
            oldest,
            now,
        );
        b.errors = errors;
        b.failed += 1;
        match next {
            Next::Retry(at) => {
                b.state = State::Ready(at);
                b.retry = true;
            }
            Next::Bisect => {
                let half = b.recs.len() / 2;
                let second = b.recs.split_off(half);
                b.state = State::Ready(now);
                b.retry = true;
                self.bisections += 1;
                self.lanes[l].pending.push_front((second, errors));
            }
            Next::GiveUp(reason) => self.give_up_batch(l, reason, ctx),
        }
        self.service(l, ctx);
    }

    /// A consumer this module waited for has a free slot: resend the batches it was
    /// too busy to take.
    pub(crate) fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        let now = ctx.now();
        for c in 0..self.consumers.len() {
            if self.consumers[c].target != from {
                continue;
            }
            let list = std::mem::take(&mut self.consumers[c].waiting);
            for l in list {
                if let Some(b) = self.lanes[l].batch.as_mut()
                    && b.state == State::Busy
                {
                    b.state = State::Ready(now);
                    self.service(l, ctx);
                }
            }
        }
    }

    /// Records this module holds (queued, or in batches not out as calls).
    pub(crate) fn held(&self) -> u64 {
        let in_lanes: usize = self
            .lanes
            .iter()
            .map(|l| {
                l.pending.iter().map(|(r, _)| r.len()).sum::<usize>()
                    + l.batch
                        .as_ref()
                        .filter(|b| b.state != State::InCall)
                        .map_or(0, |b| b.recs.len())
            })
            .sum();
        self.unread + in_lanes as u64
    }

    /// Figures for the report.
    /// The warm-up ends at `now`: the counts restart, and the largest iterator age
    /// restarts from the age now.
    pub(crate) fn warm_up_ended(&mut self, now: SimTime) {
        self.batches = 0;
        self.retried = 0;
        self.bisections = 0;
        self.consumed = 0;
        self.max_age_seen = self
            .lanes
            .iter()
            .filter_map(Lane::oldest)
            .map(|at| now.saturating_sub(at))
            .max()
            .unwrap_or(0);
    }

    pub(crate) fn extra(&self, out: &mut Vec<(String, f64)>) {
        out.push(("batches".to_owned(), self.batches as f64));
        out.push(("retried_batches".to_owned(), self.retried as f64));
        out.push(("bisections".to_owned(), self.bisections as f64));
        out.push(("records_consumed".to_owned(), self.consumed as f64));
        out.push((
            "iterator_age_max_s".to_owned(),
            self.max_age_seen as f64 / NS_PER_S as f64,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;

    fn cfg(max_retries: Option<u32>, bisect: bool) -> EsmCfg {
        EsmCfg::new(
            &EventSourceMapping {
                max_retry_attempts: max_retries,
                max_record_age: Some(Duration::from_secs(100)),
                bisect_on_error: bisect,
                ..EventSourceMapping::default()
            },
            24 * 3_600 * NS_PER_S,
        )
    }

    #[test]
    fn errors_count_against_the_retry_limit_throttles_do_not() {
        let c = cfg(Some(2), false);
        let s = NS_PER_S;
        // two retries after errors, the third error gives up
        let (n, e) = after_failure(&c, 0, 0, 5, FailReason::Error, 0, s);
        assert_eq!((n, e), (Next::Retry(2 * s), 1));
        let (n, e) = after_failure(&c, e, 1, 5, FailReason::Error, 0, 2 * s);
        assert_eq!((n, e), (Next::Retry(4 * s), 2));
        let (n, _) = after_failure(&c, e, 2, 5, FailReason::Timeout, 0, 4 * s);
        assert_eq!(n, Next::GiveUp(FailReason::Timeout));
        // throttles never exhaust the retries, only the record age
        let (n, e) = after_failure(&c, 2, 40, 5, FailReason::Throttled, 0, 50 * s);
        assert_eq!((n, e), (Next::Retry(100 * s), 2));
        let (n, _) = after_failure(&c, 2, 41, 5, FailReason::Throttled, 0, 100 * s);
        assert_eq!(n, Next::GiveUp(FailReason::Expired));
    }

    #[test]
    fn bisection_is_free_until_one_record_is_left() {
        let c = cfg(Some(0), true);
        let (n, e) = after_failure(&c, 0, 0, 8, FailReason::Error, 0, 0);
        assert_eq!((n, e), (Next::Bisect, 0));
        let (n, _) = after_failure(&c, 0, 0, 1, FailReason::Error, 0, 0);
        assert_eq!(n, Next::GiveUp(FailReason::Error));
        // throttles are not split
        let (n, _) = after_failure(&c, 0, 0, 8, FailReason::Throttled, 0, 0);
        assert!(matches!(n, Next::Retry(_)));
    }

    #[test]
    fn retry_delay_doubles_to_a_minute() {
        let d: Vec<u64> = (1..=8).map(|n| retry_delay(n) / NS_PER_S).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(retry_delay(u32::MAX), 60 * NS_PER_S);
    }

    #[test]
    fn bucket_takes_amounts_and_lends_to_oversized_requests() {
        let mut b = Bucket::new(1_000.0, 1_000.0);
        assert!(b.has(0, 600.0));
        b.take(600.0);
        assert!(!b.has(0, 600.0));
        // 0.2 s later 200 more tokens
        assert!(b.has(200_000_000, 600.0));
        b.take(600.0);
        // an item bigger than the bucket waits for a full bucket, then goes into debt
        assert!(!b.has(200_000_000, 5_000.0));
        assert!(b.has(2_000_000_000, 5_000.0));
        b.take(5_000.0);
        assert!(!b.has(3_000_000_000, 1.0));
        assert!(b.is_full(7_000_000_000));
    }
}
