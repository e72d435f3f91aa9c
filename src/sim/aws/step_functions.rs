//! Behaviour of StepFunctions: a StartExecution token bucket, then executions running
//! concurrently without a limit, each of `duration_ms` per attempt, retried by the
//! failing state's retrier (one more state transition per retry), sent on when they
//! succeed, given up on when the retries (or, Express, the 5-minute limit) run out.

use rand::Rng;

use crate::model::aws::{StepFunctions, Workflow};
use crate::model::{NS_PER_MS, NS_PER_S, Retry};
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::resend::WithSdk;
use crate::sim::sample::Sampler;
use crate::sim::station::{TokenBucket, backoff_ns};
use crate::sim::timer::{Fired, Timer, pack, unpack};
use crate::sim::{MsgId, SimTime};

/// The state machine's timers (its integrations' resends are the [`WithSdk`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// An attempt of an execution ends: failed, timed out (past the execution's
    /// limit) or neither.
    Done {
        id: MsgId,
        failed: bool,
        timed_out: bool,
    },
    /// A retry's backoff is over: the next attempt starts.
    Retry(MsgId),
    /// The execution reached its time limit while backing off.
    Expire(MsgId),
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Done {
                id,
                failed,
                timed_out,
            } => (0, pack(id, u32::from(failed) | u32::from(timed_out) << 1)),
            Tick::Retry(id) => (1, u64::from(id)),
            Tick::Expire(id) => (2, u64::from(id)),
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
            2 => Some(Tick::Expire(id)),
            _ => None,
        }
    }
}

/// Longest Express execution: 5 minutes
/// (<https://github.com/awsdocs/aws-step-functions-developer-guide/blob/3d6752c179885aa864a2a49eb47a8131b5004aa0/doc_source/limits-overview.md>).
const EXPRESS_MAX_NS: SimTime = 300 * NS_PER_S;
/// Longest Standard execution: one year (same source).
const STANDARD_MAX_NS: SimTime = 365 * 86_400 * NS_PER_S;
/// Express duration is billed in 100 ms steps.
const BILLING_STEP_NS: SimTime = 100 * NS_PER_MS;

/// Express GB-seconds of one execution: duration rounded up to 100 ms (at least one
/// step) times memory rounded up to 64 MB steps, in GB.
#[must_use]
pub(crate) fn express_gb_seconds(duration_ns: SimTime, memory_mb: u32) -> f64 {
    let steps = duration_ns.div_ceil(BILLING_STEP_NS).max(1);
    let mb = memory_mb.max(1).div_ceil(64) * 64;
    steps as f64 * 0.1 * f64::from(mb) / 1024.0
}

struct StepFunctionsB {
    bucket: TokenBucket,
    duration: Sampler,
    transitions: f64,
    fail_prob: f64,
    retry: Retry,
    express: bool,
    memory_mb: u32,
    max_ns: SimTime,
    /// Standard: `transitions`; Express: `requests`.
    m_main: usize,
    /// Express: `gb_seconds`.
    m_gbs: usize,
    running: u64,
    backing_off: u64,
}

impl StepFunctionsB {
    fn start_attempt(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        ctx.msg(id).started = now;
        let mut dur = ctx.sample_ms_as_ns(&self.duration);
        let mut failed = self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob;
        let mut timed_out = false;
        let deadline = ctx.msg(id).arrived.saturating_add(self.max_ns);
        if now.saturating_add(dur) > deadline {
            dur = deadline.saturating_sub(now);
            failed = false;
            timed_out = true;
        }
        self.running += 1;
        let running = self.running;
        ctx.metrics().busy.set(now, running);
        ctx.schedule(
            dur,
            Tick::Done {
                id,
                failed,
                timed_out,
            },
        );
    }

    /// The execution is over: bill Express duration, record, send on or give up.
    fn finish(&mut self, id: MsgId, outcome: Option<FailReason>, ctx: &mut Ctx) {
        let now = ctx.now();
        let elapsed = now.saturating_sub(ctx.msg(id).arrived);
        let gbs = self
            .express
            .then(|| express_gb_seconds(elapsed, self.memory_mb));
        let m = ctx.metrics();
        if let Some(g) = gbs {
            m.charge(self.m_gbs, g);
        }
        m.residence.record(elapsed);
        match outcome {
            None => {
                m.counters.completions += 1;
                m.bucket_completion();
                ctx.forward(id);
            }
            Some(reason) => ctx.give_up(id, reason),
        }
    }

    fn done(&mut self, id: MsgId, failed: bool, timed_out: bool, ctx: &mut Ctx) {
        let now = ctx.now();
        self.running -= 1;
        let running = self.running;
        let started = ctx.msg(id).started;
        let m = ctx.metrics();
        m.busy.set(now, running);
        m.service.record(now - started);
        if timed_out {
            m.counters.failures += 1;
            m.counters.timeouts += 1;
            m.bucket_error();
            self.finish(id, Some(FailReason::Timeout), ctx);
            return;
        }
        if !failed {
            self.finish(id, None, ctx);
            return;
        }
        m.counters.failures += 1;
        m.bucket_error();
        let attempt = ctx.msg(id).attempt.saturating_add(1);
        ctx.msg(id).attempt = attempt;
        if u32::from(attempt) >= self.retry.max_attempts {
            self.finish(id, Some(FailReason::Error), ctx);
            return;
        }
        let delay = backoff_ns(&self.retry, u32::from(attempt), ctx.rng());
        let deadline = ctx.msg(id).arrived.saturating_add(self.max_ns);
        let m = ctx.metrics();
        m.counters.retries += 1;
        if !self.express {
            // the retry re-enters the failing state: one more transition
            m.charge_retry(self.m_main, 1.0);
        }
        self.backing_off += 1;
        if now.saturating_add(delay) >= deadline {
            ctx.schedule_at(deadline, Tick::Expire(id));
        } else {
            ctx.schedule(delay, Tick::Retry(id));
        }
    }
}

impl Behaviour for StepFunctionsB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        if !self.bucket.try_take(now) {
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        let m = ctx.metrics();
        if self.express {
            m.charge(self.m_main, 1.0);
        } else {
            m.charge(self.m_main, self.transitions);
        }
        let msg = ctx.msg(id);
        msg.arrived = now;
        msg.attempt = 0;
        msg.reason = FailReason::None;
        self.start_attempt(id, ctx);
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
                self.start_attempt(id, ctx);
            }
            Some(Tick::Expire(id)) => {
                self.backing_off -= 1;
                let m = ctx.metrics();
                m.counters.timeouts += 1;
                self.finish(id, Some(FailReason::Timeout), ctx);
            }
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.running + self.backing_off
    }
}

impl Build for StepFunctions {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &StepFunctions, env: &mut BuildEnv) -> Result<Built, String> {
    let _ = env;
    let duration = Sampler::new(&p.duration_ms).map_err(|e| format!("duration_ms: {e}"))?;
    let t = p.start_bucket();
    let express = p.workflow == Workflow::Express;
    let mut metrics = ComponentMetrics::new(0);
    let (m_main, m_gbs) = if express {
        (
            metrics.add_meter("requests"),
            metrics.add_meter("gb_seconds"),
        )
    } else {
        let i = metrics.add_meter("transitions");
        (i, i)
    };
    metrics.sojourn_is_residence = true;
    // what an execution sends on is sent by a service integration, which retries
    // refusals like the SDK
    Ok(Built {
        behaviour: Box::new(WithSdk::new(
            StepFunctionsB {
                bucket: TokenBucket::new(t.rate_per_s, t.burst),
                duration,
                transitions: f64::from(p.transitions),
                fail_prob: p.fail_prob,
                retry: p.retry.clone(),
                express,
                memory_mb: p.memory_mb,
                max_ns: if express {
                    EXPRESS_MAX_NS
                } else {
                    STANDARD_MAX_NS
                },
                m_main,
                m_gbs,
                running: 0,
                backing_off: 0,
            },
            p.sdk_retry.clone(),
        )),
        metrics,
        routing: crate::model::Routing::FanOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_billing_rounds_up() {
        // 1 ms bills as 100 ms; 64 MB is 1/16 GB
        assert!((express_gb_seconds(NS_PER_MS, 64) - 0.1 / 16.0).abs() < 1e-12);
        // 250 ms -> 300 ms; 100 MB -> 128 MB = 1/8 GB
        assert!((express_gb_seconds(250 * NS_PER_MS, 100) - 0.3 / 8.0).abs() < 1e-12);
        // exactly 200 ms stays 200 ms
        assert!((express_gb_seconds(200 * NS_PER_MS, 64) - 0.2 / 16.0).abs() < 1e-12);
    }
}
