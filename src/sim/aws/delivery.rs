//! Push delivery with retries, shared by the services that hand a copy of each message
//! to every matching target and retry refused deliveries themselves (SNS topics and
//! EventBridge buses): per-message tracking of the target and the attempts, a retry
//! policy and a maximum event age per target, and, when retries are over, the target's
//! dead-letter queue or else the component's own failure links.
//!
//! What differs stays with each service: how targets are matched, when a delivery may
//! go (bus latency, invocation pacing, FIFO lanes), billing and the policy's curve.

use rand::Rng;

use crate::model::Retry;
use crate::sim::build_env::{BuildEnv, LinkInfo};
use crate::sim::engine::{Ctx, FailReason, Message, Outcome};
use crate::sim::station::backoff_ns;
use crate::sim::timer::{DELIVERY_TAGS, Timer, low};
use crate::sim::{CompId, LinkId};
use crate::sim::{MsgId, SimTime};

/// When a refused delivery is tried again.
pub(crate) trait RetryPolicy {
    /// Delay before the next attempt after `attempts` attempts (1 = the first one was
    /// refused), or `None` when the policy allows no more.
    fn delay_ns<R: Rng + ?Sized>(&self, attempts: u32, rng: &mut R) -> Option<SimTime>;
}

/// A link's own retry policy: `max_attempts` attempts in all, with its backoff.
impl RetryPolicy for Retry {
    fn delay_ns<R: Rng + ?Sized>(&self, attempts: u32, rng: &mut R) -> Option<SimTime> {
        (attempts < self.max_attempts).then(|| backoff_ns(self, attempts, rng))
    }
}

/// One target: a delivery link with its retry policy, maximum event age and dead-letter
/// queue.
pub(crate) struct Route<P> {
    /// The delivery link.
    pub link: LinkId,
    /// The component it leads to.
    pub target: CompId,
    /// When to try again after a refusal.
    pub policy: P,
    /// No attempt after this long since the message was accepted.
    pub max_age: Option<SimTime>,
    /// Where a delivery goes when retries are over (else the failure links).
    pub dlq: Option<CompId>,
}

impl<P> Route<P> {
    /// The route of a delivery link, its `dead_letter` resolved.
    pub(crate) fn new(
        li: &LinkInfo,
        policy: P,
        max_age: Option<SimTime>,
        env: &BuildEnv,
    ) -> Result<Self, String> {
        let dlq = match &li.conn.dead_letter {
            Some(d) => Some(
                env.component_index(d)
                    .ok_or_else(|| format!("dead_letter names unknown component `{d}`"))?,
            ),
            None => None,
        };
        Ok(Route {
            link: li.link,
            target: li.target,
            policy,
            max_age,
            dlq,
        })
    }
}

/// What is known about a delivery being made (indexed by message id; written at each
/// send, so it is current whenever the message comes back refused).
#[derive(Clone, Copy, Default)]
pub(crate) struct Track {
    /// Index of the route.
    pub route: u32,
    /// When the message was accepted.
    pub put_at: SimTime,
    /// Attempts made so far.
    pub attempts: u32,
    /// The owner's own tag for the delivery (SNS: its FIFO lane).
    pub lane: u32,
    /// Given up on: sent to the dead-letter queue or the failure links.
    pub dead: bool,
}

/// The deliveries' one timer: a refused delivery's backoff is over, send it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryDelivery(pub MsgId);

impl Timer for RetryDelivery {
    fn encode(self) -> (u32, u64) {
        (DELIVERY_TAGS, u64::from(self.0))
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        (tag == DELIVERY_TAGS).then(|| RetryDelivery(MsgId::new(low(data))))
    }
}

/// What became of a refused delivery.
pub(crate) enum Bounced {
    /// It had already been given up on, and the dead-letter queue refused it: ended as
    /// failed.
    Dead,
    /// A retry is scheduled.
    Retrying(Track),
    /// Retries are over: sent to the dead-letter queue or the failure links.
    GaveUp(Track),
}

/// The routes of a component and the deliveries it holds (in the bus latency, backing
/// off, or waiting for their turn).
pub(crate) struct Deliveries<P> {
    /// The targets, in link order.
    pub routes: Vec<Route<P>>,
    track: Vec<Track>,
    held: u64,
}

/// The message is accepted by the component: a new hop begins.
pub(crate) fn accept(msg: &mut Message, now: SimTime) {
    msg.arrived = now;
    msg.attempt = 0;
    msg.reason = FailReason::None;
}

/// No target matched the message: it ends as filtered.
pub(crate) fn filter_out(id: MsgId, ctx: &mut Ctx) {
    ctx.metrics().counters.filtered += 1;
    ctx.end_message(id, Outcome::Filtered);
}

impl<P: RetryPolicy> Deliveries<P> {
    /// No deliveries yet.
    pub(crate) fn new(routes: Vec<Route<P>>) -> Self {
        Deliveries {
            routes,
            track: Vec::new(),
            held: 0,
        }
    }

    /// Deliveries held right now.
    pub(crate) fn held(&self) -> u64 {
        self.held
    }

    /// The delivery of message `id`.
    pub(crate) fn track(&mut self, id: MsgId) -> &mut Track {
        let i = id.index();
        if self.track.len() <= i {
            self.track.resize(i + 1, Track::default());
        }
        &mut self.track[i]
    }

    fn set_depth(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        ctx.metrics().depth.set(now, self.held);
    }

    /// A copy of message `id` per route in `hits` (the message itself goes to the last),
    /// accepted at `now`: `each(copy, route, ctx)` schedules the copy's first attempt
    /// and returns its lane.
    pub(crate) fn fan_out(
        &mut self,
        id: MsgId,
        hits: &[u32],
        now: SimTime,
        ctx: &mut Ctx,
        mut each: impl FnMut(MsgId, u32, &mut Ctx) -> u32,
    ) {
        let m = ctx.metrics();
        m.counters.completions += 1;
        m.bucket_completion();
        let last = hits.len().saturating_sub(1);
        for (k, &route) in hits.iter().enumerate() {
            let c = if k == last { id } else { ctx.copy_message(id) };
            let lane = each(c, route, ctx);
            *self.track(c) = Track {
                route,
                put_at: now,
                attempts: 0,
                lane,
                dead: false,
            };
            self.held += 1;
        }
        self.set_depth(ctx);
    }

    /// Delivery `id` leaves for an attempt: returns its track (attempts counted).
    pub(crate) fn attempt(&mut self, id: MsgId, ctx: &mut Ctx) -> Track {
        self.held -= 1;
        self.set_depth(ctx);
        let now = ctx.now();
        let tr = self.track(id);
        tr.attempts += 1;
        let tr = *tr;
        if tr.attempts == 1 {
            ctx.metrics().residence.record(now - tr.put_at);
            ctx.msg(id).sends = 0;
        }
        tr
    }

    /// Retries are over for delivery `id`: the route's dead-letter queue, else the
    /// component's failure links, else dropped.
    fn give_up(&mut self, id: MsgId, reason: FailReason, ctx: &mut Ctx) -> Track {
        self.held -= 1;
        self.set_depth(ctx);
        let tr = self.track(id);
        tr.dead = true;
        let tr = *tr;
        match self.routes[tr.route as usize].dlq {
            Some(dlq) => {
                ctx.msg(id).reason = reason;
                ctx.metrics().counters.dead_lettered += 1;
                ctx.send_to(dlq, id);
            }
            None => ctx.give_up(id, reason),
        }
        tr
    }

    /// Delivery `id` was refused for `reason`: retry it (a [`RetryDelivery`] timer) or
    /// give up by the route's policy and maximum event age.
    pub(crate) fn bounced(&mut self, id: MsgId, reason: FailReason, ctx: &mut Ctx) -> Bounced {
        let now = ctx.now();
        let tr = *self.track(id);
        if tr.dead {
            // the dead-letter queue itself refused: nowhere left to go
            ctx.metrics().counters.failed += 1;
            ctx.end_message(id, Outcome::Failed);
            return Bounced::Dead;
        }
        self.held += 1;
        let m = ctx.metrics();
        m.counters.failures += 1;
        m.bucket_error();
        let route = &self.routes[tr.route as usize];
        let max_age = route.max_age;
        let Some(delay) = route.policy.delay_ns(tr.attempts, ctx.rng()) else {
            return Bounced::GaveUp(self.give_up(id, reason, ctx));
        };
        if let Some(age) = max_age
            && now.saturating_add(delay) >= tr.put_at.saturating_add(age)
        {
            // the next attempt would come after the maximum event age
            return Bounced::GaveUp(self.give_up(id, FailReason::Expired, ctx));
        }
        ctx.metrics().counters.retries += 1;
        ctx.schedule(delay, RetryDelivery(id));
        self.set_depth(ctx);
        Bounced::Retrying(tr)
    }
}
