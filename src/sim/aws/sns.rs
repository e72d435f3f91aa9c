//! Behaviour of SnsTopic: publish throttles (refusal), a copy per matching subscription
//! (filter policy), delivery after the topic latency, retries by the delivery policy of
//! the subscriber's protocol, then the subscription's dead-letter queue. FIFO topics
//! keep strict order per message group to each subscription.

use std::collections::{BTreeMap, VecDeque};

use super::delivery::{self, Bounced, Deliveries, RetryPolicy, Route};
use crate::model::aws::SnsTopic;
use crate::model::{ComponentKind, NS_PER_S, Retry};
use crate::sim::CompId;
use crate::sim::aws::delivery::RetryDelivery;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::sample::Sampler;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{MsgId, SimTime};

/// The topic's timers (retries after a refusal are the deliveries' [`RetryDelivery`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// Standard topic: the delivery latency is over, send.
    Dispatch(MsgId),
    /// FIFO: the head of a lane is due.
    Ready(u32),
    /// FIFO: 1 ns after send number `seq` of a lane; unless refused, it was accepted.
    Ack { lane: u32, seq: u32 },
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Dispatch(id) => (0, u64::from(id)),
            Tick::Ready(lane) => (1, u64::from(lane)),
            Tick::Ack { lane, seq } => (2, u64::from(lane) | (u64::from(seq) << 32)),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        match tag {
            0 => Some(Tick::Dispatch(MsgId::new(low(data)))),
            1 => Some(Tick::Ready(low(data))),
            2 => Some(Tick::Ack {
                lane: low(data),
                seq: (data >> 32) as u32,
            }),
            _ => None,
        }
    }
}

const NO_LANE: u32 = u32::MAX;
/// Standard publishes are billed in 64 KB chunks (read as KiB).
const PUBLISH_CHUNK: u64 = 64 * 1024;
/// FIFO payload is billed per GB (read as 2^30 bytes).
const GB: f64 = (1u64 << 30) as f64;

/// Delivery retry policy of a subscription.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Policy {
    /// AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second apart,
    /// 10 with backoff from 1 s to 20 s, then 100,000 twenty seconds apart: 100,015
    /// retries over about 23 days
    /// (<https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html>).
    Managed,
    /// The HTTP/S default: 3 retries 20 s apart
    /// (<https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html>).
    Http,
    /// The link's own retry policy.
    Custom(Retry),
}

/// Delay before retry number `retry` (1 = first retry), or `None` when the policy
/// allows no more. The backoff phase of the managed policy grows geometrically from
/// 1 s to 20 s over its 10 retries (AWS says "exponential" without the curve).
impl RetryPolicy for Policy {
    fn delay_ns<R: rand::Rng + ?Sized>(&self, retry: u32, rng: &mut R) -> Option<SimTime> {
        match self {
            Policy::Managed => match retry {
                0 => None,
                1..=3 => Some(0),
                4..=5 => Some(NS_PER_S),
                6..=15 => {
                    let k = f64::from(retry - 6);
                    Some((20f64.powf(k / 9.0) * NS_PER_S as f64).round() as SimTime)
                }
                16..=100_015 => Some(20 * NS_PER_S),
                _ => None,
            },
            Policy::Http => (1..=3).contains(&retry).then_some(20 * NS_PER_S),
            Policy::Custom(r) => (retry >= 1).then(|| r.delay_ns(retry, rng)).flatten(),
        }
    }
}

/// A token bucket that can be checked before taking, so several limits can be applied
/// together without losing tokens.
struct Bucket {
    rate_per_ns: f64,
    burst: f64,
    tokens: f64,
    last: SimTime,
}

impl Bucket {
    fn new(rate_per_s: f64) -> Self {
        let burst = rate_per_s.max(1.0);
        Bucket {
            rate_per_ns: rate_per_s / NS_PER_S as f64,
            burst,
            tokens: burst,
            last: 0,
        }
    }

    fn has(&mut self, now: SimTime) -> bool {
        let dt = now.saturating_sub(self.last) as f64;
        self.tokens = (self.tokens + dt * self.rate_per_ns).min(self.burst);
        self.last = now;
        self.tokens >= 1.0
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

/// FIFO: deliveries of one message group to one subscription, in order.
#[derive(Default)]
struct Lane {
    /// Waiting deliveries with the time the topic latency lets them go; the head may be
    /// out (in transit or backing off).
    queue: VecDeque<(MsgId, SimTime)>,
    last_ready: SimTime,
    /// The head has been sent and not yet accepted or given up on.
    busy: bool,
    /// The head is on its way (not refused yet).
    in_transit: bool,
    seq: u32,
}

struct SnsB {
    fifo: bool,
    publish: Bucket,
    topic: Bucket,
    group_rate: f64,
    groups: BTreeMap<u32, Bucket>,
    latency: Sampler,
    /// The subscriptions with their delivery policies.
    del: Deliveries<Policy>,
    /// Standard topics: per subscription, the per-delivery meter of its protocol (none
    /// for SQS/Lambda).
    sub_meters: Vec<Option<usize>>,
    lanes: Vec<Lane>,
    lane_of: BTreeMap<(u32, u32), u32>,
    m_publish: usize,
    m_publish_gb: usize,
    m_delivery: usize,
    m_delivery_gb: usize,
    scratch: Vec<u32>,
    filtered_out: u64,
    deliveries: u64,
}

impl SnsB {
    /// Bill one delivery attempt (a retry when it is not the first).
    fn bill_delivery(&mut self, id: MsgId, sub: usize, first: bool, ctx: &mut Ctx) {
        let size = f64::from(ctx.msg(id).size);
        let m = ctx.metrics();
        let mut charge = |i: usize, v: f64| {
            if first {
                m.charge(i, v);
            } else {
                m.charge_retry(i, v);
            }
        };
        if self.fifo {
            charge(self.m_delivery, 1.0);
            charge(self.m_delivery_gb, size / GB);
        } else if let Some(i) = self.sub_meters[sub] {
            charge(i, 1.0);
        }
    }

    /// Standard topic: send a delivery (first attempt or retry).
    fn send_standard(&mut self, id: MsgId, ctx: &mut Ctx) {
        let sub = self.attempt(id, ctx);
        ctx.send_on(self.del.routes[sub].link, id);
    }

    /// A delivery leaves for an attempt: count and bill it; returns its subscription.
    fn attempt(&mut self, id: MsgId, ctx: &mut Ctx) -> usize {
        let tr = self.del.attempt(id, ctx);
        let sub = tr.route as usize;
        self.deliveries += 1;
        self.bill_delivery(id, sub, tr.attempts == 1, ctx);
        sub
    }

    /// FIFO: send the head of a lane if it may go.
    fn lane_next(&mut self, lane: u32, ctx: &mut Ctx) {
        let now = ctx.now();
        let l = &self.lanes[lane as usize];
        if l.busy {
            return;
        }
        if let Some(&(_, ready)) = l.queue.front()
            && ready <= now
        {
            self.send_fifo(lane, ctx);
        }
    }

    /// FIFO: send (or resend) the head of a lane straight to the subscriber (no link
    /// latency, so order holds), and check 1 ns later that it was not refused.
    fn send_fifo(&mut self, lane: u32, ctx: &mut Ctx) {
        let Some(&(id, _)) = self.lanes[lane as usize].queue.front() else {
            return;
        };
        let sub = self.attempt(id, ctx);
        let l = &mut self.lanes[lane as usize];
        l.busy = true;
        l.in_transit = true;
        l.seq = l.seq.wrapping_add(1);
        let seq = l.seq;
        ctx.send_to(self.del.routes[sub].target, id);
        ctx.schedule(1, Tick::Ack { lane, seq });
    }

    /// FIFO: the head of the lane is done with (accepted or given up on).
    fn pop_lane(&mut self, lane: u32, ctx: &mut Ctx) {
        let l = &mut self.lanes[lane as usize];
        l.queue.pop_front();
        l.busy = false;
        l.in_transit = false;
        self.lane_next(lane, ctx);
    }

    fn admit(&mut self, id: MsgId, now: SimTime, ctx: &mut Ctx) -> bool {
        if !self.publish.has(now) {
            return false;
        }
        if self.fifo {
            let key = ctx.msg(id).key;
            let rate = self.group_rate;
            let group = self.groups.entry(key).or_insert_with(|| Bucket::new(rate));
            if !self.topic.has(now) || !group.has(now) {
                return false;
            }
            group.take();
            self.topic.take();
        }
        self.publish.take();
        true
    }
}

impl Behaviour for SnsB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        if !self.admit(id, now, ctx) {
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        let size = u64::from(ctx.msg(id).size);
        let m = ctx.metrics();
        if self.fifo {
            m.charge(self.m_publish, 1.0);
            m.charge(self.m_publish_gb, size as f64 / GB);
        } else {
            m.charge(self.m_publish, size.div_ceil(PUBLISH_CHUNK).max(1) as f64);
        }
        let msg = ctx.msg(id);
        let key = msg.key;
        delivery::accept(msg, now);
        let mut hits = std::mem::take(&mut self.scratch);
        hits.clear();
        for (k, s) in self.del.routes.iter().enumerate() {
            if ctx.link_matches(s.link, id) {
                hits.push(u32::try_from(k).unwrap_or(u32::MAX));
            }
        }
        self.filtered_out += (self.del.routes.len() - hits.len()) as u64;
        if hits.is_empty() {
            delivery::filter_out(id, ctx);
            self.scratch = hits;
            return;
        }
        let (fifo, latency, lanes, lane_of) =
            (self.fifo, &self.latency, &mut self.lanes, &mut self.lane_of);
        self.del.fan_out(id, &hits, now, ctx, |c, s, ctx| {
            let d = ctx.sample_ms_as_ns(latency);
            if !fifo {
                ctx.schedule(d, Tick::Dispatch(c));
                return NO_LANE;
            }
            let next = u32::try_from(lanes.len()).unwrap_or(u32::MAX);
            let lane = *lane_of.entry((s, key)).or_insert(next);
            if lane == next {
                lanes.push(Lane::default());
            }
            let l = &mut lanes[lane as usize];
            let ready = now.saturating_add(d).max(l.last_ready);
            l.last_ready = ready;
            l.queue.push_back((c, ready));
            ctx.schedule_at(ready, Tick::Ready(lane));
            lane
        });
        self.scratch = hits;
    }

    fn wants_bounces(&self) -> bool {
        true
    }

    fn on_bounce(&mut self, id: MsgId, reason: FailReason, _by: CompId, ctx: &mut Ctx) {
        match self.del.bounced(id, reason, ctx) {
            Bounced::Dead => {}
            Bounced::Retrying(tr) => {
                if tr.lane != NO_LANE {
                    self.lanes[tr.lane as usize].in_transit = false;
                }
            }
            Bounced::GaveUp(tr) => {
                if tr.lane != NO_LANE {
                    self.pop_lane(tr.lane, ctx);
                }
            }
        }
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        if let Some(RetryDelivery(id)) = timer.get() {
            let lane = self.del.track(id).lane;
            if lane == NO_LANE {
                self.send_standard(id, ctx);
            } else {
                self.send_fifo(lane, ctx);
            }
            return;
        }
        match timer.get() {
            Some(Tick::Dispatch(id)) => self.send_standard(id, ctx),
            Some(Tick::Ready(lane)) => self.lane_next(lane, ctx),
            Some(Tick::Ack { lane, seq }) => {
                let l = &self.lanes[lane as usize];
                if l.seq == seq && l.in_transit {
                    self.pop_lane(lane, ctx);
                }
            }
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.del.held()
    }

    fn warm_up_ended(&mut self, _now: SimTime) {
        self.filtered_out = 0;
        self.deliveries = 0;
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        vec![
            ("filtered_out".to_owned(), self.filtered_out as f64),
            ("deliveries".to_owned(), self.deliveries as f64),
        ]
    }
}

impl Build for SnsTopic {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &SnsTopic, env: &mut BuildEnv) -> Result<Built, String> {
    let latency = Sampler::new(&p.latency_ms).map_err(|e| format!("latency_ms: {e}"))?;
    let mut metrics = ComponentMetrics::new(0);
    let (m_publish, m_publish_gb, m_delivery, m_delivery_gb) = if p.fifo {
        (
            metrics.add_meter("fifo_publishes"),
            metrics.add_meter("fifo_publish_gb"),
            metrics.add_meter("fifo_deliveries"),
            metrics.add_meter("fifo_delivery_gb"),
        )
    } else {
        let i = metrics.add_meter("publishes");
        (i, i, i, i)
    };
    let mut protocol_meters: Vec<(&'static str, usize)> = Vec::new();
    let mut subs = Vec::with_capacity(env.delivery.len());
    let mut sub_meters = Vec::with_capacity(env.delivery.len());
    for li in &env.delivery {
        let managed = matches!(
            li.target_kind,
            ComponentKind::SqsQueue(_) | ComponentKind::Lambda(_)
        );
        let policy = match &li.conn.retry {
            Some(r) => Policy::Custom(r.clone()),
            None if managed => Policy::Managed,
            None => Policy::Http,
        };
        let meter_name = match li.target_kind {
            ComponentKind::SqsQueue(_) | ComponentKind::Lambda(_) => None,
            ComponentKind::Ses(_) => Some("email_deliveries"),
            ComponentKind::Firehose(_) => Some("firehose_deliveries"),
            _ => Some("http_deliveries"),
        };
        let meter = match meter_name {
            Some(name) if !p.fifo => Some(match protocol_meters.iter().find(|(n, _)| *n == name) {
                Some((_, i)) => *i,
                None => {
                    let i = metrics.add_meter(name);
                    protocol_meters.push((name, i));
                    i
                }
            }),
            _ => None,
        };
        subs.push(Route::new(
            li,
            policy,
            li.conn.max_event_age.map(|d| d.ns),
            env,
        )?);
        sub_meters.push(meter);
    }
    Ok(Built {
        behaviour: Box::new(SnsB {
            fifo: p.fifo,
            publish: Bucket::new(p.publish_per_s),
            topic: Bucket::new(p.fifo_topic_per_s),
            group_rate: p.fifo_group_per_s,
            groups: BTreeMap::new(),
            latency,
            del: Deliveries::new(subs),
            sub_meters,
            lanes: Vec::new(),
            lane_of: BTreeMap::new(),
            m_publish,
            m_publish_gb,
            m_delivery,
            m_delivery_gb,
            scratch: Vec::new(),
            filtered_out: 0,
            deliveries: 0,
        }),
        metrics,
        routing: crate::model::Routing::FanOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policy_phases() {
        let mut rng = <crate::sim::sample::SimRng as rand::SeedableRng>::seed_from_u64(1);
        let p = Policy::Managed;
        let d: Vec<SimTime> = (1..=16)
            .map(|r| p.delay_ns(r, &mut rng).unwrap_or(SimTime::MAX))
            .collect();
        assert_eq!(&d[..5], &[0, 0, 0, NS_PER_S, NS_PER_S]);
        assert_eq!(d[5], NS_PER_S); // first backoff retry: 1 s
        assert_eq!(d[14], 20 * NS_PER_S); // tenth backoff retry: 20 s
        assert!(d[5..15].windows(2).all(|w| w[0] < w[1]));
        assert_eq!(d[15], 20 * NS_PER_S);
        assert_eq!(p.delay_ns(100_015, &mut rng), Some(20 * NS_PER_S));
        assert_eq!(p.delay_ns(100_016, &mut rng), None);
        // total span of all retries: about 23 days
        let total: SimTime = (1..=100_015)
            .map(|r| p.delay_ns(r, &mut rng).unwrap_or(0))
            .sum();
        let days = total as f64 / NS_PER_S as f64 / 86_400.0;
        assert!((23.0..23.3).contains(&days), "{days}");
        let h = Policy::Http;
        assert_eq!(h.delay_ns(3, &mut rng), Some(20 * NS_PER_S));
        assert_eq!(h.delay_ns(4, &mut rng), None);
    }
}
