//! Behaviour of EventBus: PutEvents throttle (refusal), rules matched by their event
//! pattern, a copy per target of every matching rule, the bus latency, invocation pacing
//! (delay, not drop), and per-target retries with exponential backoff until attempts or
//! the maximum event age run out, then the target's dead-letter queue.

use std::collections::BTreeMap;

use super::delivery::{self, Deliveries, Route};
use crate::model::aws::EventBus;
use crate::model::{NS_PER_S, Retry};
use crate::sim::aws::delivery::RetryDelivery;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::sample::Sampler;
use crate::sim::station::TokenBucket;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{CompId, LinkId};
use crate::sim::{MsgId, SimTime};

/// The bus's timers (retries after a refusal are the deliveries' [`RetryDelivery`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// The bus latency is over: take an invocation slot.
    Dispatch(MsgId),
    /// The invocation slot is due: send.
    Send(MsgId),
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Dispatch(id) => (0, u64::from(id)),
            Tick::Send(id) => (1, u64::from(id)),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        let id = MsgId::new(low(data));
        match tag {
            0 => Some(Tick::Dispatch(id)),
            1 => Some(Tick::Send(id)),
            _ => None,
        }
    }
}
/// Deliveries of a bus have no lanes.
const NO_LANE: u32 = u32::MAX;

/// EventBridge bills custom events in 64 KB chunks (read as KiB).
const EVENT_CHUNK: u64 = 64 * 1024;
// Most targets of one rule (a hard limit; validation refuses more).
use crate::model::aws::EVENTBRIDGE_MAX_TARGETS_PER_RULE as MAX_TARGETS_PER_RULE;

/// Paces work at a rate with a burst allowance (the generic cell rate algorithm): each
/// request is given the earliest instant at which it conforms; requests are never
/// refused, only delayed.
pub(crate) struct Pacer {
    interval: f64,
    tolerance: f64,
    tat: f64,
}

impl Pacer {
    /// `rate_per_s` sustained, `burst` at once after a quiet spell.
    pub(crate) fn new(rate_per_s: f64, burst: f64) -> Self {
        let interval = NS_PER_S as f64 / rate_per_s;
        Pacer {
            interval,
            tolerance: (burst.max(1.0) - 1.0) * interval,
            tat: 0.0,
        }
    }

    /// When a request made at `now` may go (not before `now`). Calls must come in
    /// non-decreasing `now`.
    pub(crate) fn slot(&mut self, now: SimTime) -> SimTime {
        let t = now as f64;
        let s = t.max(self.tat - self.tolerance);
        self.tat = self.tat.max(s) + self.interval;
        (s.ceil() as SimTime).max(now)
    }
}

struct EventBusB {
    put: TokenBucket,
    pacer: Pacer,
    latency: Sampler,
    /// The targets with their retry policies.
    del: Deliveries<Retry>,
    /// Per rule: the link whose filter is the rule's pattern, and its targets.
    rules: Vec<(LinkId, Vec<u32>)>,
    meter: usize,
    scratch: Vec<u32>,
    matched: u64,
    unmatched: u64,
    invocations: u64,
    delayed: u64,
}

impl EventBusB {
    /// The bus latency or a backoff is over: take an invocation slot.
    fn dispatch(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let at = self.pacer.slot(now);
        if at > now {
            self.delayed += 1;
            ctx.schedule_at(at, Tick::Send(id));
        } else {
            self.send(id, ctx);
        }
    }

    fn send(&mut self, id: MsgId, ctx: &mut Ctx) {
        let tr = self.del.attempt(id, ctx);
        self.invocations += 1;
        ctx.send_on(self.del.routes[tr.route as usize].link, id);
    }
}

impl Behaviour for EventBusB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        if !self.put.try_take(now) {
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        let chunks = u64::from(ctx.msg(id).size).div_ceil(EVENT_CHUNK).max(1);
        ctx.metrics().charge(self.meter, chunks as f64);
        delivery::accept(ctx.msg(id), now);
        let mut hits = std::mem::take(&mut self.scratch);
        hits.clear();
        for (pattern, targets) in &self.rules {
            if ctx.link_matches(*pattern, id) {
                hits.extend_from_slice(targets);
            }
        }
        if hits.is_empty() {
            self.unmatched += 1;
            delivery::filter_out(id, ctx);
        } else {
            self.matched += 1;
            let latency = &self.latency;
            self.del.fan_out(id, &hits, now, ctx, |c, _, ctx| {
                let d = ctx.sample_ms_as_ns(latency);
                ctx.schedule(d, Tick::Dispatch(c));
                NO_LANE
            });
        }
        self.scratch = hits;
    }

    fn wants_bounces(&self) -> bool {
        true
    }

    fn on_bounce(&mut self, id: MsgId, reason: FailReason, _by: CompId, ctx: &mut Ctx) {
        self.del.bounced(id, reason, ctx);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        if let Some(RetryDelivery(id)) = timer.get() {
            self.dispatch(id, ctx);
            return;
        }
        match timer.get() {
            Some(Tick::Dispatch(id)) => self.dispatch(id, ctx),
            Some(Tick::Send(id)) => self.send(id, ctx),
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.del.held()
    }

    fn warm_up_ended(&mut self, _now: SimTime) {
        self.matched = 0;
        self.unmatched = 0;
        self.invocations = 0;
        self.delayed = 0;
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        vec![
            ("matched".to_owned(), self.matched as f64),
            ("unmatched".to_owned(), self.unmatched as f64),
            ("invocations".to_owned(), self.invocations as f64),
            ("delayed_invocations".to_owned(), self.delayed as f64),
        ]
    }
}

impl Build for EventBus {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &EventBus, env: &mut BuildEnv) -> Result<Built, String> {
    let latency = Sampler::new(&p.latency_ms).map_err(|e| format!("latency_ms: {e}"))?;
    let mut targets = Vec::with_capacity(env.delivery.len());
    // rule name -> (pattern link, its filter, target indices); unnamed rules are keyed
    // by their link so each is a rule of its own
    let mut rules: BTreeMap<String, (LinkId, Option<&crate::model::Filter>, Vec<u32>)> =
        BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (k, li) in env.delivery.iter().enumerate() {
        targets.push(Route::new(
            li,
            li.conn.retry.clone().unwrap_or_else(|| p.retry.clone()),
            Some(li.conn.max_event_age.unwrap_or(p.max_event_age).ns),
            env,
        )?);
        let key = if li.conn.rule.is_empty() {
            format!("\u{0}{}", li.link)
        } else {
            li.conn.rule.clone()
        };
        let ti = u32::try_from(k).unwrap_or(u32::MAX);
        let filter = li.conn.filter.as_ref();
        match rules.get_mut(&key) {
            None => {
                order.push(key.clone());
                rules.insert(key, (li.link, filter, vec![ti]));
            }
            Some((pattern, pf, ts)) => {
                match (*pf, filter) {
                    (_, None) => {}
                    (None, Some(f)) => {
                        *pattern = li.link;
                        *pf = Some(f);
                    }
                    (Some(a), Some(b)) if a == b => {}
                    (Some(_), Some(_)) => {
                        return Err(format!(
                            "the targets of rule `{key}` have different filters; a rule has one event pattern: put the filter on one of its links (or the same filter on all)"
                        ));
                    }
                }
                ts.push(ti);
            }
        }
    }
    let mut compiled = Vec::with_capacity(order.len());
    for key in order {
        let Some((pattern, _, ts)) = rules.remove(&key) else {
            continue;
        };
        if ts.len() > MAX_TARGETS_PER_RULE {
            let name = key.trim_start_matches('\u{0}');
            return Err(format!(
                "rule `{name}` has {} targets; EventBridge allows at most {MAX_TARGETS_PER_RULE} per rule",
                ts.len()
            ));
        }
        compiled.push((pattern, ts));
    }
    let mut metrics = ComponentMetrics::new(0);
    let meter = metrics.add_meter("events");
    Ok(Built {
        behaviour: Box::new(EventBusB {
            put: TokenBucket::new(p.put_events_per_s, p.put_events_per_s.max(1.0)),
            pacer: Pacer::new(p.invocations_per_s, p.invocations_per_s),
            latency,
            del: Deliveries::new(targets),
            rules: compiled,
            meter,
            scratch: Vec::new(),
            matched: 0,
            unmatched: 0,
            invocations: 0,
            delayed: 0,
        }),
        metrics,
        routing: crate::model::Routing::FanOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_lets_the_burst_through_then_paces() {
        let mut p = Pacer::new(10.0, 3.0);
        let at: Vec<SimTime> = (0..6).map(|_| p.slot(0)).collect();
        let step = NS_PER_S / 10;
        assert_eq!(at, vec![0, 0, 0, step, 2 * step, 3 * step]);
        // after a quiet spell the burst is back
        let later = 100 * NS_PER_S;
        assert_eq!(p.slot(later), later);
    }
}
