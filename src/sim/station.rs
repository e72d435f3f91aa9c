//! The generic queueing station: token-bucket throttle, FIFO buffer with capacity and
//! age limit, a pool of servers with a service-time distribution, failures and timeouts,
//! retries with exponential backoff and jitter, dead-lettering and routing.
//!
//! Cloud components reuse these pieces; see `model::Station` for the semantics.

use std::collections::VecDeque;

use rand::Rng;

use super::engine::{Behaviour, Ctx, FailReason, Outcome};
use super::sample::Sampler;
use super::timer::{Fired, Timer, pack, unpack};
use super::{MsgId, SimTime};
use crate::model::{Jitter, NS_PER_MS, NS_PER_S, Retry};

/// The station's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// Service of a message ends, failed or not (a timeout is a failure).
    Done {
        id: MsgId,
        failed: bool,
        timed_out: bool,
    },
    /// A message's backoff is over: it rejoins the buffer.
    Retry(MsgId),
    /// The head of the buffer may have grown too old.
    Expire,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Done {
                id,
                failed,
                timed_out,
            } => (0, pack(id, u32::from(failed) | u32::from(timed_out) << 1)),
            Tick::Retry(id) => (1, pack(id, 0)),
            Tick::Expire => (2, 0),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        let (id, flags) = unpack(data);
        match tag {
            0 => Some(Tick::Done {
                id,
                failed: flags & 1 != 0,
                timed_out: flags & 2 != 0,
            }),
            1 => Some(Tick::Retry(id)),
            2 => Some(Tick::Expire),
            _ => None,
        }
    }
}

/// A token bucket: `burst` tokens, refilled at `rate_per_s`; one token per admission.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate_per_ns: f64,
    burst: f64,
    tokens: f64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket.
    #[must_use]
    pub fn new(rate_per_s: f64, burst: f64) -> Self {
        TokenBucket {
            rate_per_ns: rate_per_s / NS_PER_S as f64,
            burst,
            tokens: burst,
            last: 0,
        }
    }

    /// Take a token at `now` if there is one.
    #[inline]
    pub fn try_take(&mut self, now: SimTime) -> bool {
        let dt = now.saturating_sub(self.last) as f64;
        self.tokens = (self.tokens + dt * self.rate_per_ns).min(self.burst);
        self.last = now;
        // a hair under 1.0 counts as a whole token: ten refills of 0.1 add up to
        // 0.999...9 in floating point, which would refuse a send the rate allows
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            true
        } else {
            false
        }
    }
}

/// Backoff delay before retry number `retry` (1 = first retry), in ns, with jitter.
pub fn backoff_ns<R: Rng + ?Sized>(policy: &Retry, retry: u32, rng: &mut R) -> SimTime {
    let base = policy.base_delay_ms(retry);
    let ms = match policy.jitter {
        Jitter::None => base,
        Jitter::Full => base * rng.random::<f64>(),
        Jitter::Equal => base / 2.0 + base / 2.0 * rng.random::<f64>(),
    };
    (ms * NS_PER_MS as f64).round() as SimTime
}

/// A FIFO buffer in front of a pool of servers, shared by the station and the container
/// service: a message that finds a free server and nobody waiting starts at once, one
/// that finds the buffer at `capacity` is dropped, and with a `max_age` a message older
/// than it expires instead of being served (a timer of the owner's, armed for the head,
/// expires old heads as they age). The owner decides when a server is free and starts
/// what the buffer hands it.
pub(crate) struct Buffer {
    queue: VecDeque<MsgId>,
    capacity: Option<u64>,
    max_age: Option<SimTime>,
    expiry_armed: bool,
}

/// What [`Buffer::admit`] did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admit {
    /// A server is free and nobody waits: the owner starts it now.
    Start,
    /// It waits in the buffer.
    Queued,
    /// The buffer was full: it ended as dropped.
    Dropped,
}

impl Buffer {
    /// An empty buffer.
    pub(crate) fn new(capacity: Option<u64>, max_age: Option<SimTime>) -> Self {
        Buffer {
            queue: VecDeque::new(),
            capacity,
            max_age,
            expiry_armed: false,
        }
    }

    /// Messages waiting.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Message `id` arrives now; `free` is whether a server is free.
    #[inline]
    pub(crate) fn admit(&mut self, id: MsgId, free: bool, ctx: &mut Ctx) -> Admit {
        let now = ctx.now();
        ctx.msg(id).enqueued = now;
        if free && self.queue.is_empty() {
            return Admit::Start;
        }
        if self.capacity.is_some_and(|c| self.queue.len() as u64 >= c) {
            let m = ctx.metrics();
            m.counters.dropped += 1;
            m.bucket_error();
            ctx.end_message(id, Outcome::Dropped);
            return Admit::Dropped;
        }
        self.queue.push_back(id);
        self.record_depth(ctx);
        Admit::Queued
    }

    /// The next message to serve, ending those at the head that have grown too old.
    /// Record the depth with [`Buffer::record_depth_since`] when done taking.
    #[inline]
    pub(crate) fn take(&mut self, ctx: &mut Ctx) -> Option<MsgId> {
        while let Some(id) = self.queue.pop_front() {
            if !self.is_expired(id, ctx) {
                return Some(id);
            }
            Self::expire(id, ctx);
        }
        None
    }

    /// Record the depth if it differs from `before` (taken before a round of
    /// [`Buffer::take`]).
    #[inline]
    pub(crate) fn record_depth_since(&self, before: usize, ctx: &mut Ctx) {
        if self.queue.len() != before {
            self.record_depth(ctx);
        }
    }

    #[inline]
    fn record_depth(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        let depth = self.queue.len() as u64;
        ctx.metrics().depth.set(now, depth);
    }

    /// With a maximum age, schedule `timer` for when the head grows too old, unless it
    /// is already set.
    #[inline]
    pub(crate) fn arm_expiry<T: Timer>(&mut self, timer: T, ctx: &mut Ctx) {
        let (Some(age), Some(&head)) = (self.max_age, self.queue.front()) else {
            return;
        };
        if !self.expiry_armed {
            self.expiry_armed = true;
            let at = ctx.msg(head).arrived.saturating_add(age);
            ctx.schedule_at(at, timer);
        }
    }

    /// The timer set by [`Buffer::arm_expiry`] fired: expire the heads that are too old
    /// and set it again for the new head.
    pub(crate) fn on_expiry<T: Timer>(&mut self, timer: T, ctx: &mut Ctx) {
        self.expiry_armed = false;
        let before = self.queue.len();
        while let Some(&head) = self.queue.front() {
            if !self.is_expired(head, ctx) {
                break;
            }
            self.queue.pop_front();
            Self::expire(head, ctx);
        }
        self.record_depth_since(before, ctx);
        self.arm_expiry(timer, ctx);
    }

    /// Whether message `id` is older than the maximum age.
    #[inline]
    pub(crate) fn is_expired(&self, id: MsgId, ctx: &mut Ctx) -> bool {
        let now = ctx.now();
        self.max_age
            .is_some_and(|age| now >= ctx.msg(id).arrived.saturating_add(age))
    }

    /// End message `id` as expired.
    pub(crate) fn expire(id: MsgId, ctx: &mut Ctx) {
        let m = ctx.metrics();
        m.counters.expired += 1;
        m.bucket_error();
        ctx.end_message(id, Outcome::Expired);
    }
}

/// Compiled station parameters.
pub struct StationB {
    pub(crate) servers: u64,
    pub(crate) service: Sampler,
    pub(crate) throttle: Option<TokenBucket>,
    pub(crate) fail_prob: f64,
    pub(crate) timeout: Option<SimTime>,
    pub(crate) retry: Retry,
    // state
    pub(crate) buffer: Buffer,
    pub(crate) busy: u64,
    pub(crate) backing_off: u64,
}

impl StationB {
    /// A station with empty state.
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        servers: u64,
        service: Sampler,
        capacity: Option<u64>,
        max_age: Option<SimTime>,
        throttle: Option<TokenBucket>,
        fail_prob: f64,
        timeout: Option<SimTime>,
        retry: Retry,
    ) -> Self {
        StationB {
            servers,
            service,
            throttle,
            fail_prob,
            timeout,
            retry,
            buffer: Buffer::new(capacity, max_age),
            busy: 0,
            backing_off: 0,
        }
    }

    /// Put a message in the buffer (or straight into service when a server is free).
    fn enqueue(&mut self, id: MsgId, ctx: &mut Ctx) {
        match self.buffer.admit(id, self.busy < self.servers, ctx) {
            Admit::Start => self.start_service(id, ctx),
            Admit::Queued => self.buffer.arm_expiry(Tick::Expire, ctx),
            Admit::Dropped => {}
        }
    }

    fn start_service(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        self.busy += 1;
        let busy = self.busy;
        let wait = now - ctx.msg(id).enqueued;
        ctx.msg(id).started = now;
        let mut dur = ctx.sample_ms_as_ns(&self.service);
        let mut failed = self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob;
        let mut timed_out = false;
        if let Some(t) = self.timeout
            && dur > t
        {
            dur = t;
            failed = true;
            timed_out = true;
        }
        let m = ctx.metrics();
        m.wait.record(wait);
        m.busy.set(now, busy);
        ctx.schedule(
            dur,
            Tick::Done {
                id,
                failed,
                timed_out,
            },
        );
    }

    /// Fill free servers from the buffer, skipping expired messages.
    fn pull(&mut self, ctx: &mut Ctx) {
        let before = self.buffer.len();
        while self.busy < self.servers {
            let Some(id) = self.buffer.take(ctx) else {
                break;
            };
            self.start_service(id, ctx);
        }
        self.buffer.record_depth_since(before, ctx);
    }

    fn done(&mut self, id: MsgId, failed: bool, timed_out: bool, ctx: &mut Ctx) {
        let now = ctx.now();
        self.busy -= 1;
        let busy = self.busy;
        let msg = *ctx.msg(id);
        let m = ctx.metrics();
        m.busy.set(now, busy);
        m.service.record(now - msg.started);
        if !m.sojourn_is_residence {
            m.sojourn.record(now - msg.enqueued);
        }
        if failed {
            m.counters.failures += 1;
            if timed_out {
                m.counters.timeouts += 1;
            }
            m.bucket_error();
            let attempt = msg.attempt + 1;
            ctx.msg(id).attempt = attempt;
            if u32::from(attempt) < self.retry.max_attempts {
                ctx.metrics().counters.retries += 1;
                let delay = backoff_ns(&self.retry, u32::from(attempt), ctx.rng());
                if delay == 0 {
                    self.enqueue(id, ctx);
                } else {
                    self.backing_off += 1;
                    ctx.schedule(delay, Tick::Retry(id));
                }
            } else {
                let residence = now - msg.arrived;
                ctx.metrics().residence.record(residence);
                let reason = if timed_out {
                    FailReason::Timeout
                } else {
                    FailReason::Error
                };
                ctx.give_up(id, reason);
            }
        } else {
            let residence = now - msg.arrived;
            m.counters.completions += 1;
            m.residence.record(residence);
            m.bucket_completion();
            ctx.forward(id);
        }
        self.pull(ctx);
    }
}

impl Behaviour for StationB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        {
            let msg = ctx.msg(id);
            msg.arrived = now;
            msg.attempt = 0;
            msg.reason = FailReason::None;
        }
        if let Some(tb) = &mut self.throttle
            && !tb.try_take(now)
        {
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        self.enqueue(id, ctx);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Done {
                id,
                failed,
                timed_out,
            }) => self.done(id, failed, timed_out, ctx),
            Some(Tick::Retry(id)) => {
                self.backing_off -= 1;
                if self.buffer.is_expired(id, ctx) {
                    Buffer::expire(id, ctx);
                } else {
                    self.enqueue(id, ctx);
                }
            }
            Some(Tick::Expire) => self.buffer.on_expiry(Tick::Expire, ctx),
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.buffer.len() as u64 + self.busy + self.backing_off
    }
}

impl super::build_env::Build for crate::model::Station {
    fn build(
        &self,
        _env: &mut super::build_env::BuildEnv,
    ) -> Result<super::build_env::Built, String> {
        let s = self;
        let service = Sampler::new(&s.service_ms).map_err(|e| format!("service_ms: {e}"))?;
        let mut metrics = super::ComponentMetrics::new(u64::from(s.servers));
        metrics.sojourn_is_residence = s.retry.max_attempts <= 1;
        Ok(super::build_env::Built {
            behaviour: Box::new(StationB::new(
                u64::from(s.servers),
                service,
                s.queue_capacity,
                s.max_age.map(|d| d.ns),
                s.throttle
                    .as_ref()
                    .map(|t| TokenBucket::new(t.rate_per_s, t.burst)),
                s.fail_prob,
                s.timeout.map(|d| d.ns),
                s.retry.clone(),
            )),
            metrics,
            routing: s.routing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_admits_burst_then_rate() {
        let mut tb = TokenBucket::new(10.0, 5.0);
        // 100 requests at t = 0: only the burst gets in
        let admitted = (0..100).filter(|_| tb.try_take(0)).count();
        assert_eq!(admitted, 5);
        // one request every millisecond for 10 s: the refill rate gets in
        let admitted = (1..=10_000u64)
            .filter(|ms| tb.try_take(ms * NS_PER_MS))
            .count();
        assert_eq!(admitted, 100);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let policy = Retry {
            max_attempts: 10,
            backoff_ms: 100.0,
            multiplier: 2.0,
            max_backoff_ms: 1000.0,
            jitter: Jitter::None,
        };
        let mut rng = <super::super::sample::SimRng as rand::SeedableRng>::seed_from_u64(1);
        let d: Vec<u64> = (1..=6)
            .map(|r| backoff_ns(&policy, r, &mut rng) / NS_PER_MS)
            .collect();
        assert_eq!(d, vec![100, 200, 400, 800, 1000, 1000]);
        let full = Retry {
            jitter: Jitter::Full,
            ..policy
        };
        for r in 1..=6 {
            assert!(backoff_ns(&full, r, &mut rng) <= 1000 * NS_PER_MS);
        }
    }
}
