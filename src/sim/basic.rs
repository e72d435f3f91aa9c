//! Behaviours of the simple kinds: producer, sink and dead-letter queue.

use rand::Rng;

use super::engine::{Behaviour, Ctx, FailReason, Outcome};
use super::resend::WithSdk;
use super::sample::ArrivalGen;
use super::timer::{Fired, Timer};
use super::{CompId, MsgId, SimTime};
use crate::model::KeySpace;

/// The timers of the simple kinds: a producer's next event, a dead-letter queue's
/// gauge refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// The producer makes its next event.
    Arrive,
    /// The dead-letter queue refreshes `oldest_age_s`.
    Age,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        (self as u32, 0)
    }

    fn decode(tag: u32, _data: u64) -> Option<Self> {
        match tag {
            0 => Some(Tick::Arrive),
            1 => Some(Tick::Age),
            _ => None,
        }
    }
}

/// How often a dead-letter queue refreshes its `oldest_age_s` gauge.
const AGE_TICK: SimTime = 1_000_000_000;

/// Creates events at the instants its arrival process gives and forwards them; built
/// inside a [`WithSdk`] that resends refused events per the producer's retry policy.
pub struct ProducerB {
    pub(crate) arrivals: ArrivalGen,
    /// Cumulative weights over event type indices.
    pub(crate) mix: Vec<(u16, f64)>,
    pub(crate) remaining: Option<u64>,
    pub(crate) keys: Option<KeySpace>,
}

/// Draw a key: the hot key 0 with probability `hot_share`, otherwise uniform over the
/// others (or over all keys when there is only one or no hot key).
fn draw_key<R: Rng + ?Sized>(k: &KeySpace, rng: &mut R) -> u32 {
    let n = k.cardinality.max(1);
    if k.hot_share > 0.0 && n > 1 {
        if rng.random::<f64>() < k.hot_share {
            0
        } else {
            rng.random_range(1..n)
        }
    } else {
        rng.random_range(0..n)
    }
}

impl ProducerB {
    fn schedule_next(&mut self, now: SimTime, ctx: &mut Ctx) {
        if self.remaining == Some(0) {
            return;
        }
        let end = ctx.end();
        if let Some(t) = self.arrivals.next(now, end, ctx.rng()) {
            ctx.schedule_at(t, Tick::Arrive);
        }
    }
}

impl Behaviour for ProducerB {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule_next(0, ctx);
    }

    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
        // Validation forbids links into a producer; end anything that arrives anyway.
        ctx.end_message(msg, Outcome::Failed);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        if timer.get() != Some(Tick::Arrive) {
            return;
        }
        let id = ctx.create(&self.mix);
        if let Some(k) = &self.keys {
            let key = draw_key(k, ctx.rng());
            ctx.msg(id).key = key;
        }
        let now = ctx.now();
        let m = ctx.metrics();
        // a producer's events arrive at it when it makes them
        m.arrive(1);
        m.counters.completions += 1;
        m.bucket_completion();
        if let Some(r) = &mut self.remaining {
            *r -= 1;
        }
        ctx.forward(id);
        self.schedule_next(now, ctx);
    }
}

/// A terminal consumer: everything that reaches it is delivered.
pub struct SinkB;

impl Behaviour for SinkB {
    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
        let m = ctx.metrics();
        m.counters.completions += 1;
        m.bucket_completion();
        ctx.deliver_here(msg);
    }
}

/// Stores dead letters, counted by the reason they were given up on and the component
/// that gave up on them.
pub struct DeadLetterB {
    by_reason: [u64; 5],
    by_source: Vec<u64>,
    stored: u64,
    first_at: Option<SimTime>,
}

impl DeadLetterB {
    /// Empty, in a design of `components` components.
    #[must_use]
    pub fn new(components: usize) -> Self {
        DeadLetterB {
            by_reason: [0; 5],
            by_source: vec![0; components],
            stored: 0,
            first_at: None,
        }
    }
}

impl Behaviour for DeadLetterB {
    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
        let reason = ctx.msg(msg).reason;
        let from = ctx.msg(msg).from.index();
        self.by_reason[reason as usize] += 1;
        if let Some(n) = self.by_source.get_mut(from) {
            *n += 1;
        }
        self.stored += 1;
        if self.first_at.is_none() {
            self.first_at = Some(ctx.now());
            ctx.schedule(AGE_TICK, Tick::Age);
        }
        let now = ctx.now();
        let stored = self.stored;
        let m = ctx.metrics();
        // the backlog of a DLQ only grows: nobody consumes it in the model
        m.depth.set(now, stored);
        ctx.end_message(msg, Outcome::DeadLettered);
    }

    fn on_local(&mut self, _timer: Fired, ctx: &mut Ctx) {
        // refresh the age gauge once a second: a step approximation of a line
        if let Some(t) = self.first_at {
            let now = ctx.now();
            ctx.metrics().set_gauge(0, now, (now - t) / 1_000_000_000);
            ctx.schedule(AGE_TICK, Tick::Age);
        }
    }

    fn extra(&self, now: SimTime) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = [
            FailReason::Error,
            FailReason::Timeout,
            FailReason::Throttled,
            FailReason::Expired,
        ]
        .iter()
        .filter(|r| self.by_reason[**r as usize] > 0)
        .map(|r| {
            (
                format!("reason_{}", r.as_str()),
                self.by_reason[*r as usize] as f64,
            )
        })
        .collect();
        if let Some(t) = self.first_at {
            // nothing consumes a dead-letter queue in the model: its oldest message is
            // the first one that arrived
            out.push(("oldest_age_s".to_owned(), (now - t) as f64 / 1e9));
        }
        out
    }

    /// The counts by reason and by source restart; the backlog and its age go on (the
    /// queue still holds what arrived during the warm-up).
    fn warm_up_ended(&mut self, _now: SimTime) {
        self.by_reason = [0; 5];
        self.by_source.iter_mut().for_each(|n| *n = 0);
    }

    fn sources(&self) -> Vec<(CompId, u64)> {
        self.by_source
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (CompId::at(i), *n))
            .collect()
    }
}

impl super::build_env::Build for crate::model::Producer {
    fn build(
        &self,
        env: &mut super::build_env::BuildEnv,
    ) -> Result<super::build_env::Built, String> {
        let p = self;
        let arrivals = ArrivalGen::new(&p.arrivals).map_err(|e| e.to_string())?;
        let mut acc = 0.0;
        let mix = env
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| p.event_types.is_empty() || p.event_types.contains(&t.name))
            .filter(|(_, t)| t.weight > 0.0)
            .map(|(ti, t)| {
                acc += t.weight;
                (u16::try_from(ti).unwrap_or(0), acc)
            })
            .collect::<Vec<_>>();
        if mix.is_empty() {
            return Err("emits no event type with a positive weight".to_owned());
        }
        Ok(super::build_env::Built {
            behaviour: Box::new(WithSdk::new(
                ProducerB {
                    arrivals,
                    mix,
                    remaining: p.max_events,
                    keys: p.keys.clone(),
                },
                p.retry.clone(),
            )),
            metrics: super::ComponentMetrics::new(0),
            routing: p.routing,
        })
    }
}

impl super::build_env::Build for crate::model::Sink {
    fn build(
        &self,
        _env: &mut super::build_env::BuildEnv,
    ) -> Result<super::build_env::Built, String> {
        Ok(super::build_env::Built {
            behaviour: Box::new(SinkB),
            metrics: super::ComponentMetrics::new(0),
            routing: crate::model::Routing::default(),
        })
    }
}

impl super::build_env::Build for crate::model::DeadLetterQueue {
    fn build(
        &self,
        env: &mut super::build_env::BuildEnv,
    ) -> Result<super::build_env::Built, String> {
        let mut metrics = super::ComponentMetrics::new(0);
        metrics.add_gauge("oldest_age_s");
        Ok(super::build_env::Built {
            behaviour: Box::new(DeadLetterB::new(env.doc.components.len())),
            metrics,
            routing: crate::model::Routing::default(),
        })
    }
}
