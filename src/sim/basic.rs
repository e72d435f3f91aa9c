//! Behaviours of the simple kinds: producer, sink and dead-letter queue.

use super::engine::{Behaviour, Ctx, FailReason, Outcome};
use super::sample::ArrivalGen;
use super::{MsgId, SimTime};

const ARRIVE: u32 = 1;

/// Creates events at the instants its arrival process gives and forwards them.
pub struct ProducerB {
    pub(crate) arrivals: ArrivalGen,
    /// Cumulative weights over event type indices.
    pub(crate) mix: Vec<(u16, f64)>,
    pub(crate) remaining: Option<u64>,
}

impl ProducerB {
    fn schedule_next(&mut self, now: SimTime, ctx: &mut Ctx) {
        if self.remaining == Some(0) {
            return;
        }
        let end = ctx.end();
        if let Some(t) = self.arrivals.next(now, end, ctx.rng()) {
            ctx.schedule_at(t, ARRIVE, 0);
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

    fn on_local(&mut self, _tag: u32, _data: u64, ctx: &mut Ctx) {
        let id = ctx.create(&self.mix);
        let now = ctx.now();
        let m = ctx.metrics();
        m.counters.arrivals += 1;
        m.counters.completions += 1;
        m.bucket_arrival();
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
        m.counters.arrivals += 1;
        m.counters.completions += 1;
        m.bucket_arrival();
        m.bucket_completion();
        ctx.deliver_here(msg);
    }
}

/// Stores dead letters, counted by the reason they were given up on.
#[derive(Default)]
pub struct DeadLetterB {
    by_reason: [u64; 5],
    stored: u64,
}

impl Behaviour for DeadLetterB {
    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
        let reason = ctx.msg(msg).reason;
        self.by_reason[reason as usize] += 1;
        self.stored += 1;
        let now = ctx.now();
        let stored = self.stored;
        let m = ctx.metrics();
        m.counters.arrivals += 1;
        m.bucket_arrival();
        // the backlog of a DLQ only grows: nobody consumes it in the model
        m.depth.set(now, stored);
        ctx.end_message(msg, Outcome::DeadLettered);
    }

    fn extra(&self) -> Vec<(String, u64)> {
        [
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
                self.by_reason[*r as usize],
            )
        })
        .collect()
    }
}
