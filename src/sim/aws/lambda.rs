//! Behaviour of an AWS Lambda function (see `model::aws::LambdaFunction`).
//!
//! Every invocation, synchronous or asynchronous, first needs a concurrency slot (the
//! function's reserved pool or the account's unreserved pool) and then an execution
//! environment: an idle warm one (most recently used first) or a new one, which costs
//! a cold start and a token of the per-function scale-up bucket
//! (<https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>). Without a
//! slot or a token the invocation is throttled.
//!
//! Synchronous calls (`on_invoke`: API Gateway, event-source mappings, Firehose
//! transforms) run one invocation per batch and answer when it ends; a throttled call
//! is answered `Throttled` at once with every message handed back. Asynchronous
//! deliveries (`on_deliver`: EventBridge, SNS, S3 notifications, direct event invokes)
//! enter Lambda's internal queue, which accepts everything; throttled events are tried
//! again with backoff from 1 s doubling to 5 min, failed ones are retried after 1 and 2
//! minutes, and what is too old or out of retries goes to the on-failure links
//! (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>).
//!
//! Billing: one request per invocation that ran, and memory x duration where duration
//! is init (for a cold start) plus handler time rounded up to the next millisecond
//! (<https://aws.amazon.com/lambda/pricing/>).

use std::collections::VecDeque;

use rand::Rng;

use crate::model::aws::{Architecture, LambdaFunction};
use crate::model::{ComponentKind, Jitter, NS_PER_MS, NS_PER_S, Retry};
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::resend::WithSdk;
use crate::sim::sample::Sampler;
use crate::sim::station::{TokenBucket, backoff_ns};
use crate::sim::timer::{Fired, Timer, low, pack, unpack};
use crate::sim::{MsgId, SimTime};

/// The function's timers (its handler's SDK resends are the [`WithSdk`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// An invocation ends (its invocation slot).
    Done(u32),
    /// An asynchronous event is due for another try, throttled so many times so far.
    Dispatch { id: MsgId, throttled: u32 },
    /// The least recently used idle environment may have expired.
    ExpireEnvs,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Done(slot) => (0, u64::from(slot)),
            Tick::Dispatch { id, throttled } => (1, pack(id, throttled)),
            Tick::ExpireEnvs => (2, 0),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        match tag {
            0 => Some(Tick::Done(low(data))),
            1 => {
                let (id, throttled) = unpack(data);
                Some(Tick::Dispatch { id, throttled })
            }
            2 => Some(Tick::ExpireEnvs),
            _ => None,
        }
    }
}

/// Longest init phase; longer draws are cut here
/// (<https://github.com/rails-lambda/lamby/discussions/115>, 10 s).
const MAX_INIT_NS: SimTime = 10 * NS_PER_S;

/// Waits before the retries of a failed asynchronous invocation: 1 min, then 2 min
/// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>).
const ASYNC_RETRY_DELAYS_NS: [SimTime; 2] = [60 * NS_PER_S, 120 * NS_PER_S];

/// Backoff of throttled asynchronous events: from 1 s doubling up to 5 min (same
/// source); equal jitter keeps a throttled burst from retrying in lockstep.
fn throttle_backoff() -> Retry {
    Retry {
        max_attempts: u32::MAX,
        backoff_ms: 1_000.0,
        multiplier: 2.0,
        max_backoff_ms: 300_000.0,
        jitter: Jitter::Equal,
    }
}

/// How an invocation ends, decided when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Ok,
    Error,
    Timeout,
}

/// One invocation in flight.
struct Invocation {
    /// The synchronous call it serves; none for an asynchronous event.
    call: Option<CallId>,
    /// Its messages (one for an asynchronous event).
    msgs: Vec<MsgId>,
    started: SimTime,
    /// Init time (cold start) plus handler time.
    billed_ns: SimTime,
    end: End,
    /// Share of the invocation caused by retries: 1 for an asynchronous retry after a
    /// function error; for a synchronous batch the share of its messages the caller
    /// had sent here before (`attempt > 1`: an SQS redelivery, a retried stream batch).
    retry: f64,
}

/// A running Lambda function.
pub(crate) struct LambdaB {
    pool: u32,
    duration: Sampler,
    cold: Sampler,
    fail_prob: f64,
    poison_prob: f64,
    timeout_ns: SimTime,
    idle_expiry_ns: SimTime,
    async_retries: u16,
    max_age_ns: SimTime,
    scale: TokenBucket,
    backoff: Retry,
    gb: f64,
    m_requests: usize,
    m_gb: usize,
    g_envs: usize,
    salt: u64,
    // state
    /// Last-used times of idle warm environments, least recently used first.
    idle: VecDeque<SimTime>,
    busy: u64,
    expiry_armed: bool,
    invs: Vec<Invocation>,
    free_invs: Vec<u32>,
    /// Messages inside running invocations.
    in_service: u64,
    /// Asynchronous events waiting in the internal queue (throttled or between retries).
    waiting: u64,
    cold_starts: u64,
    warm_starts: u64,
    throttles: u64,
}

/// Pool limits as the design sets them: (this function's pool name, its limit).
fn pool_for(p: &LambdaFunction, env: &BuildEnv) -> (String, u64) {
    if let Some(r) = p.reserved_concurrency {
        let id = &env.doc.components[env.me].id;
        return (format!("lambda-reserved-{id}"), u64::from(r));
    }
    let reserved: u64 = env
        .doc
        .components
        .iter()
        .filter_map(|c| match &c.kind {
            ComponentKind::Lambda(l) => l.reserved_concurrency.map(u64::from),
            _ => None,
        })
        .sum();
    // AWS keeps at least 100 unreserved; a design reserving more than the account has
    // leaves nothing, and the shared functions are throttled.
    (
        "lambda-unreserved".to_owned(),
        u64::from(env.doc.account.lambda_concurrency).saturating_sub(reserved),
    )
}

impl Build for LambdaFunction {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &LambdaFunction, env: &mut BuildEnv) -> Result<Built, String> {
    let (name, limit) = pool_for(p, env);
    let pool = env.pool(&name, limit);
    let (behaviour, metrics) = LambdaB::new(p, pool, limit)?;
    // what the function sends on (downstream calls, destinations) is sent by the
    // handler's SDK, which retries refusals
    Ok(Built {
        behaviour: Box::new(WithSdk::new(behaviour, p.sdk_retry.clone())),
        metrics,
        routing: p.routing,
    })
}

/// 64-bit finaliser of splitmix64: a good mix of one word.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl LambdaB {
    /// The behaviour and its metrics, drawing slots from pool `pool` of `limit` slots.
    fn new(p: &LambdaFunction, pool: u32, limit: u64) -> Result<(Self, ComponentMetrics), String> {
        let duration = Sampler::new(&p.duration_ms).map_err(|e| format!("duration_ms: {e}"))?;
        let cold = Sampler::new(&p.cold_start_ms).map_err(|e| format!("cold_start_ms: {e}"))?;
        let mut m = ComponentMetrics::new(limit);
        m.sojourn_is_residence = true;
        let m_requests = m.add_meter("requests");
        let m_gb = m.add_meter(match p.architecture {
            Architecture::X86 => "gb_seconds",
            Architecture::Arm => "arm_gb_seconds",
        });
        let g_envs = m.add_gauge("environments");
        let rate = f64::from(p.scale_rate_per_10s);
        let b = LambdaB {
            pool,
            duration,
            cold,
            fail_prob: p.fail_prob,
            poison_prob: p.poison_prob,
            timeout_ns: p.timeout.ns,
            idle_expiry_ns: p.idle_expiry.ns,
            async_retries: u16::try_from(p.async_retries).unwrap_or(u16::MAX),
            max_age_ns: p.max_event_age.ns,
            scale: TokenBucket::new(rate / 10.0, rate),
            backoff: throttle_backoff(),
            gb: f64::from(p.memory_mb) / 1024.0,
            m_requests,
            m_gb,
            g_envs,
            salt: 0,
            idle: VecDeque::new(),
            busy: 0,
            expiry_armed: false,
            invs: Vec::new(),
            free_invs: Vec::new(),
            in_service: 0,
            waiting: 0,
            cold_starts: 0,
            warm_starts: 0,
            throttles: 0,
        };
        Ok((b, m))
    }

    /// Whether the event with identity `ident` ([`Ctx::ident`]) is poison to this
    /// function: a hash of the identity and this function's salt (drawn from its own
    /// stream), so every attempt, redelivery and copy of the event agrees, and nothing
    /// another component does changes it.
    fn is_poison(&self, ident: u64) -> bool {
        if self.poison_prob <= 0.0 {
            return false;
        }
        if self.poison_prob >= 1.0 {
            return true;
        }
        let h = mix(self.salt ^ mix(ident));
        ((h >> 11) as f64 / (1u64 << 53) as f64) < self.poison_prob
    }

    fn set_env_gauge(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        let envs = self.idle.len() as u64 + self.busy;
        ctx.metrics().set_gauge(self.g_envs, now, envs);
    }

    /// Drop idle environments that have been idle for `idle_expiry`.
    fn prune_idle(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let before = self.idle.len();
        while self
            .idle
            .front()
            .is_some_and(|&t| t.saturating_add(self.idle_expiry_ns) <= now)
        {
            self.idle.pop_front();
        }
        if self.idle.len() != before {
            self.set_env_gauge(ctx);
        }
    }

    fn arm_expiry(&mut self, ctx: &mut Ctx) {
        if self.expiry_armed {
            return;
        }
        if let Some(&t) = self.idle.front() {
            self.expiry_armed = true;
            ctx.schedule_at(t.saturating_add(self.idle_expiry_ns), Tick::ExpireEnvs);
        }
    }

    /// Take a concurrency slot and an environment. Returns the init time (0 when warm),
    /// or None when throttled (counted here).
    fn begin(&mut self, msgs: u64, ctx: &mut Ctx) -> Option<SimTime> {
        if ctx.pool_try_acquire(self.pool) {
            self.prune_idle(ctx);
            let now = ctx.now();
            let init = if self.idle.pop_back().is_some() {
                self.warm_starts += 1;
                Some(0)
            } else if self.scale.try_take(now) {
                self.cold_starts += 1;
                Some(ctx.sample_ms_as_ns(&self.cold).min(MAX_INIT_NS))
            } else {
                ctx.pool_release(self.pool);
                None
            };
            if init.is_some() {
                self.busy += 1;
                let busy = self.busy;
                ctx.metrics().busy.set(now, busy);
                self.set_env_gauge(ctx);
                return init;
            }
        }
        self.throttles += 1;
        let m = ctx.metrics();
        m.counters.rejected += msgs;
        m.bucket_error();
        None
    }

    /// Start an invocation of `msgs` with init time `init`.
    fn run(
        &mut self,
        call: Option<CallId>,
        msgs: Option<Vec<MsgId>>,
        one: MsgId,
        init: SimTime,
        retry: f64,
        ctx: &mut Ctx,
    ) {
        let now = ctx.now();
        let mut handler = ctx.sample_ms_as_ns(&self.duration);
        let end = if handler > self.timeout_ns {
            handler = self.timeout_ns;
            End::Timeout
        } else if self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob {
            End::Error
        } else {
            End::Ok
        };
        let billed_ns = init.saturating_add(handler);
        let slot = if let Some(s) = self.free_invs.pop() {
            s
        } else {
            self.invs.push(Invocation {
                call: None,
                msgs: Vec::new(),
                started: 0,
                billed_ns: 0,
                end: End::Ok,
                retry: 0.0,
            });
            u32::try_from(self.invs.len() - 1).unwrap_or(u32::MAX)
        };
        let inv = &mut self.invs[slot as usize];
        inv.call = call;
        match msgs {
            Some(v) => inv.msgs = v,
            None => {
                inv.msgs.clear();
                inv.msgs.push(one);
            }
        }
        inv.started = now;
        inv.billed_ns = billed_ns;
        inv.end = end;
        inv.retry = retry;
        self.in_service += inv.msgs.len() as u64;
        ctx.schedule(billed_ns, Tick::Done(slot));
    }

    /// Try to invoke an asynchronous event now; when throttled it waits for try number
    /// `throttled + 1`.
    fn try_async(&mut self, id: MsgId, throttled: u32, ctx: &mut Ctx) {
        if let Some(init) = self.begin(1, ctx) {
            let m = *ctx.msg(id);
            let now = ctx.now();
            ctx.metrics().wait.record(now.saturating_sub(m.enqueued));
            let retry = if m.attempt > 0 { 1.0 } else { 0.0 };
            self.run(None, None, id, init, retry, ctx);
        } else {
            let n = throttled.saturating_add(1);
            let delay = backoff_ns(&self.backoff, n, ctx.rng());
            let at = ctx.now().saturating_add(delay);
            self.wait(id, at, n, ctx);
        }
    }

    /// Put an asynchronous event in the internal queue until `at` (or its age limit).
    fn wait(&mut self, id: MsgId, at: SimTime, throttled: u32, ctx: &mut Ctx) {
        let deadline = ctx.msg(id).arrived.saturating_add(self.max_age_ns);
        self.waiting += 1;
        let now = ctx.now();
        let depth = self.waiting;
        ctx.metrics().depth.set(now, depth);
        ctx.schedule_at(at.min(deadline), Tick::Dispatch { id, throttled });
    }

    fn dispatch(&mut self, id: MsgId, throttled: u32, ctx: &mut Ctx) {
        self.waiting -= 1;
        let now = ctx.now();
        let depth = self.waiting;
        ctx.metrics().depth.set(now, depth);
        let arrived = ctx.msg(id).arrived;
        if now >= arrived.saturating_add(self.max_age_ns) {
            let m = ctx.metrics();
            m.counters.expired += 1;
            m.bucket_error();
            m.residence.record(now - arrived);
            ctx.give_up(id, FailReason::Expired);
            return;
        }
        if throttled == 0 {
            // back after a retry delay: ready from now on
            ctx.msg(id).enqueued = now;
        }
        self.try_async(id, throttled, ctx);
    }

    /// An invocation ends.
    fn done(&mut self, slot: u32, ctx: &mut Ctx) {
        let now = ctx.now();
        // the environment goes back to the idle set; the slot to its pool
        self.busy -= 1;
        self.idle.push_back(now);
        ctx.pool_release(self.pool);
        let busy = self.busy;
        let (call, msgs, started, billed_ns, end, retry) = {
            let inv = &mut self.invs[slot as usize];
            (
                inv.call,
                std::mem::take(&mut inv.msgs),
                inv.started,
                inv.billed_ns,
                inv.end,
                inv.retry,
            )
        };
        self.in_service -= msgs.len() as u64;
        // billed duration rounded up to the next millisecond
        let billed_ms = billed_ns.div_ceil(NS_PER_MS);
        let gb_s = self.gb * billed_ms as f64 / 1000.0;
        let m = ctx.metrics();
        m.busy.set(now, busy);
        m.service.record(billed_ns);
        if retry > 0.0 {
            m.charge_retry(self.m_requests, retry);
            m.charge_retry(self.m_gb, gb_s * retry);
        }
        if retry < 1.0 {
            m.charge(self.m_requests, 1.0 - retry);
            m.charge(self.m_gb, gb_s * (1.0 - retry));
        }
        if end != End::Ok {
            m.counters.failures += 1;
            if end == End::Timeout {
                m.counters.timeouts += 1;
            }
            m.bucket_error();
        }
        self.set_env_gauge(ctx);
        self.arm_expiry(ctx);
        match call {
            Some(c) => {
                self.finish_call(c, msgs, started, end, ctx);
                self.free_invs.push(slot);
            }
            None => {
                let id = msgs.first().copied();
                // keep the vector for the next asynchronous invocation
                self.invs[slot as usize].msgs = msgs;
                self.free_invs.push(slot);
                if let Some(id) = id {
                    self.finish_async(id, end, ctx);
                }
            }
        }
        ctx.wake_waiters();
    }

    fn finish_call(
        &mut self,
        call: CallId,
        msgs: Vec<MsgId>,
        started: SimTime,
        end: End,
        ctx: &mut Ctx,
    ) {
        let now = ctx.now();
        match end {
            End::Timeout => {
                ctx.reply(call, CallStatus::Failed(FailReason::Timeout), msgs, 0);
                return;
            }
            End::Error => {
                ctx.reply(call, CallStatus::Failed(FailReason::Error), msgs, 0);
                return;
            }
            End::Ok => {}
        }
        let poison = msgs
            .iter()
            .filter(|&&id| self.is_poison(ctx.ident(id)))
            .count();
        let n = msgs.len();
        let mode = ctx.call_mode(call);
        if poison > 0 && mode != CallMode::ConsumePartial {
            // the handler fails on the poison message: the whole batch fails
            let m = ctx.metrics();
            m.counters.failures += 1;
            m.bucket_error();
            ctx.reply(call, CallStatus::Failed(FailReason::Error), msgs, 0);
            return;
        }
        let kept = n - poison;
        let m = ctx.metrics();
        m.counters.completions += kept as u64;
        for _ in 0..kept {
            m.residence.record(now - started);
            m.bucket_completion();
        }
        if poison > 0 {
            m.counters.failures += 1;
            m.bucket_error();
        }
        let kept_u32 = u32::try_from(kept).unwrap_or(u32::MAX);
        match mode {
            CallMode::Transform => ctx.reply(call, CallStatus::Ok, msgs, kept_u32),
            CallMode::Consume => {
                for id in msgs {
                    ctx.forward(id);
                }
                ctx.reply(call, CallStatus::Ok, Vec::new(), kept_u32);
            }
            CallMode::ConsumePartial => {
                let mut failed = Vec::with_capacity(poison);
                for id in msgs {
                    if self.is_poison(ctx.ident(id)) {
                        failed.push(id);
                    } else {
                        ctx.forward(id);
                    }
                }
                let status = if failed.is_empty() {
                    CallStatus::Ok
                } else {
                    CallStatus::Failed(FailReason::Error)
                };
                ctx.reply(call, status, failed, kept_u32);
            }
        }
    }

    fn finish_async(&mut self, id: MsgId, end: End, ctx: &mut Ctx) {
        let now = ctx.now();
        let m = *ctx.msg(id);
        let end = if end == End::Ok && self.is_poison(ctx.ident(id)) {
            let mm = ctx.metrics();
            mm.counters.failures += 1;
            mm.bucket_error();
            End::Error
        } else {
            end
        };
        if end == End::Ok {
            let mm = ctx.metrics();
            mm.counters.completions += 1;
            mm.residence.record(now - m.arrived);
            mm.bucket_completion();
            ctx.forward(id);
            return;
        }
        let attempt = m.attempt.saturating_add(1);
        ctx.msg(id).attempt = attempt;
        ctx.msg(id).reason = if end == End::Timeout {
            FailReason::Timeout
        } else {
            FailReason::Error
        };
        if attempt <= self.async_retries {
            ctx.metrics().counters.retries += 1;
            let delay = ASYNC_RETRY_DELAYS_NS
                [usize::from(attempt - 1).min(ASYNC_RETRY_DELAYS_NS.len() - 1)];
            self.wait(id, now.saturating_add(delay), 0, ctx);
        } else {
            ctx.metrics().residence.record(now - m.arrived);
            let reason = ctx.msg(id).reason;
            ctx.give_up(id, reason);
        }
    }
}

impl Behaviour for LambdaB {
    fn start(&mut self, ctx: &mut Ctx) {
        // per-run salt of the poison hash (the stream depends on the seed)
        self.salt = ctx.rng().random::<u64>();
        self.set_env_gauge(ctx);
    }

    /// An asynchronous invocation: Lambda's internal queue accepts the event.
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        {
            let m = ctx.msg(id);
            m.arrived = now;
            m.enqueued = now;
            m.attempt = 0;
            m.reason = FailReason::None;
        }
        self.try_async(id, 0, ctx);
    }

    /// A synchronous invocation with a batch of messages.
    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        let msgs = ctx.take_call_messages(call);
        let n = msgs.len() as u64;
        if msgs.is_empty() {
            ctx.reply(call, CallStatus::Ok, msgs, 0);
            return;
        }
        match self.begin(n, ctx) {
            Some(init) => {
                // callers mark messages they send again (SQS receive count, stream
                // batch retry) with attempt > 1: that part of the bill is retry cost
                let again = msgs.iter().filter(|&&id| ctx.msg(id).attempt > 1).count();
                let retry = again as f64 / n as f64;
                self.run(Some(call), Some(msgs), MsgId::default(), init, retry, ctx);
            }
            None => ctx.reply(call, CallStatus::Throttled, msgs, 0),
        }
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Done(slot)) => self.done(slot, ctx),
            Some(Tick::Dispatch { id, throttled }) => self.dispatch(id, throttled, ctx),
            Some(Tick::ExpireEnvs) => {
                self.expiry_armed = false;
                self.prune_idle(ctx);
                self.arm_expiry(ctx);
            }
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.waiting + self.in_service
    }

    /// Starts and throttles count from the end of the warm-up, like the counters.
    fn warm_up_ended(&mut self, _now: SimTime) {
        self.cold_starts = 0;
        self.warm_starts = 0;
        self.throttles = 0;
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let starts = self.cold_starts + self.warm_starts;
        let share = if starts == 0 {
            0.0
        } else {
            self.cold_starts as f64 / starts as f64
        };
        vec![
            ("cold_starts".to_owned(), self.cold_starts as f64),
            ("warm_starts".to_owned(), self.warm_starts as f64),
            ("throttles".to_owned(), self.throttles as f64),
            ("cold_start_share".to_owned(), share),
        ]
    }
}

#[cfg(test)]
mod tests {
    //! The synchronous path, driven by a hand-made caller: no component that calls
    //! synchronously exists on this branch, so these tests assemble a small simulation
    //! (caller -> function -> sink) by hand.
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::model::{Dist, Duration, from_ron_str};
    use crate::sim::LinkId;
    use crate::sim::aws::testkit::{Nth, assemble, link, outputs};
    use crate::sim::basic::SinkB;
    use crate::sim::engine::Outcome;

    /// What the caller saw of one call: (reply time, token, status, returned, processed).
    type Seen = (SimTime, u64, CallStatus, usize, u32);

    /// Calls the function at scripted instants with batches of new messages, and ends
    /// whatever comes back.
    struct Caller {
        script: Vec<(SimTime, usize, CallMode)>,
        log: Arc<Mutex<Vec<Seen>>>,
    }

    impl Behaviour for Caller {
        fn start(&mut self, ctx: &mut Ctx) {
            for (i, (at, _, _)) in self.script.iter().enumerate() {
                ctx.schedule_at(*at, Nth(i));
            }
        }
        fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
            ctx.end_message(msg, Outcome::Failed);
        }
        fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
            let Some(Nth(k)) = timer.get() else { return };
            let (_, n, mode) = self.script[k];
            let msgs = (0..n).map(|_| ctx.create(&[(0, 1.0)])).collect();
            ctx.invoke(LinkId::new(0), msgs, mode, k as u64);
        }
        fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
            let r = ctx.take_reply(call);
            self.log.lock().unwrap().push((
                ctx.now(),
                r.token,
                r.status,
                r.returned.len(),
                r.processed,
            ));
            for id in r.returned {
                ctx.end_message(id, Outcome::Failed);
            }
        }
    }

    /// caller -> function (pool of `limit` slots) -> sink, run to the end.
    fn run_calls(
        f: &LambdaFunction,
        limit: u64,
        script: Vec<(SimTime, usize, CallMode)>,
    ) -> (crate::sim::Report, Vec<Seen>) {
        let doc = from_ron_str(
            r#"(
            scenario: (duration: "60s"),
            components: [(id: "caller", kind: Producer()), (id: "f", kind: Lambda()), (id: "out", kind: Sink())],
            connections: [(from: "caller", to: "f"), (from: "f", to: "out")],
        )"#,
        )
        .unwrap();
        let (b, m) = LambdaB::new(f, 0, limit).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let caller = Caller {
            script,
            log: Arc::clone(&log),
        };
        let mut sim = assemble(
            &doc,
            vec![
                (
                    Box::new(caller),
                    ComponentMetrics::new(0),
                    outputs(vec![0], vec![]),
                ),
                (
                    Box::new(WithSdk::new(b, f.sdk_retry.clone())),
                    m,
                    outputs(vec![1], vec![]),
                ),
                (
                    Box::new(SinkB),
                    ComponentMetrics::new(0),
                    outputs(vec![], vec![]),
                ),
            ],
            vec![link(1), link(2)],
            100.0,
            vec![(limit, 0)],
        );
        sim.run();
        assert_eq!(
            sim.accounted_live(),
            sim.live_messages(),
            "a message leaked"
        );
        let report = sim.report();
        assert!(report.ledger.balanced, "{:?}", report.ledger);
        let mut seen = log.lock().unwrap().clone();
        seen.sort_by_key(|s| (s.0, s.1));
        (report, seen)
    }

    fn quick(duration_ms: f64) -> LambdaFunction {
        LambdaFunction {
            duration_ms: Dist::Constant(duration_ms),
            cold_start_ms: Dist::Constant(0.0),
            ..LambdaFunction::default()
        }
    }

    const MS: SimTime = NS_PER_MS;

    #[test]
    fn sync_calls_beyond_reserved_concurrency_are_throttled_at_once() {
        // Reserved 10, 15 single-message calls at t = 0: 10 run (100 ms), 5 get the 429
        // at once with their message back, unbilled. A call at 0.5 s finds a warm
        // environment.
        let f = LambdaFunction {
            reserved_concurrency: Some(10),
            ..quick(100.0)
        };
        let mut script = vec![(0, 1, CallMode::Consume); 15];
        script.push((500 * MS, 1, CallMode::Consume));
        let (r, seen) = run_calls(&f, 10, script);
        let throttled: Vec<_> = seen
            .iter()
            .filter(|s| s.2 == CallStatus::Throttled)
            .collect();
        assert_eq!(throttled.len(), 5);
        assert!(throttled.iter().all(|s| s.0 == 0 && s.3 == 1 && s.4 == 0));
        let ok: Vec<_> = seen.iter().filter(|s| s.2 == CallStatus::Ok).collect();
        assert_eq!(ok.len(), 11);
        assert_eq!(ok.iter().filter(|s| s.0 == 100 * MS).count(), 10);
        assert_eq!(ok[10].0, 600 * MS);
        assert!(ok.iter().all(|s| s.3 == 0 && s.4 == 1));
        let c = &r.components["f"];
        assert_eq!(c.extra["throttles"], 5.0);
        assert_eq!(c.extra["cold_starts"], 10.0);
        assert_eq!(c.extra["warm_starts"], 1.0);
        assert_eq!(
            (
                c.counters.arrivals,
                c.counters.rejected,
                c.counters.completions
            ),
            (16, 5, 11)
        );
        assert_eq!(c.usage["requests"].amount, 11.0);
        assert_eq!(c.in_flight.max, 10);
        assert_eq!(r.components["out"].counters.arrivals, 11);
    }

    #[test]
    fn sync_calls_beyond_the_scale_rate_are_throttled() {
        // 3 new environments per 10 s: of 5 calls at t = 0, 3 start cold and 2 are
        // throttled. At 10 s the bucket is full again: 3 warm + 2 cold, none throttled.
        let f = LambdaFunction {
            scale_rate_per_10s: 3,
            ..quick(100.0)
        };
        let mut script = vec![(0, 1, CallMode::Consume); 5];
        script.extend(vec![(10_000 * MS, 1, CallMode::Consume); 5]);
        let (r, seen) = run_calls(&f, 1000, script);
        let at = |t: SimTime, st: CallStatus| seen.iter().filter(|s| s.0 == t && s.2 == st).count();
        assert_eq!(at(0, CallStatus::Throttled), 2);
        assert_eq!(at(100 * MS, CallStatus::Ok), 3);
        assert_eq!(at(10_100 * MS, CallStatus::Ok), 5);
        let c = &r.components["f"];
        assert_eq!(c.extra["cold_starts"], 5.0);
        assert_eq!(c.extra["warm_starts"], 3.0);
        assert_eq!(c.extra["throttles"], 2.0);
    }

    #[test]
    fn a_batch_is_one_invocation_and_poison_fails_it_by_mode() {
        // 20 messages per batch, 30% poison (none poison in 20 has probability 0.0008).
        let f = LambdaFunction {
            poison_prob: 0.3,
            ..quick(100.0)
        };
        let script = vec![
            (0, 20, CallMode::Consume),
            (1000 * MS, 20, CallMode::ConsumePartial),
            (2000 * MS, 20, CallMode::Transform),
        ];
        let (r, seen) = run_calls(&f, 1000, script);
        assert_eq!(seen.len(), 3);
        // all or nothing: the whole batch comes back
        assert_eq!(
            seen[0],
            (100 * MS, 0, CallStatus::Failed(FailReason::Error), 20, 0)
        );
        // partial batch response: only the poison ones come back, the rest go on
        let (t, _, st, back, kept) = seen[1];
        assert_eq!((t, st), (1100 * MS, CallStatus::Failed(FailReason::Error)));
        assert!(back > 0 && back < 20, "{back} poison of 20");
        assert_eq!(back + kept as usize, 20);
        assert_eq!(r.components["out"].counters.arrivals, u64::from(kept));
        // a transform with a poison record fails as a whole
        assert_eq!(seen[2].2, CallStatus::Failed(FailReason::Error));
        assert_eq!(seen[2].3, 20);
        let c = &r.components["f"];
        // one request per batch, not per message
        assert_eq!(c.usage["requests"].amount, 3.0);
        assert_eq!(c.counters.failures, 3);
        assert_eq!(c.counters.completions, u64::from(kept));
    }

    #[test]
    fn healthy_batches_are_forwarded_or_transformed() {
        let (r, seen) = run_calls(
            &quick(100.0),
            1000,
            vec![
                (0, 20, CallMode::Consume),
                (1000 * MS, 20, CallMode::Transform),
            ],
        );
        assert_eq!(seen[0], (100 * MS, 0, CallStatus::Ok, 0, 20));
        assert_eq!(seen[1], (1100 * MS, 1, CallStatus::Ok, 20, 20));
        // only the consumed batch goes on; the transformed one went back to its caller
        assert_eq!(r.components["out"].counters.arrivals, 20);
        // 128 MB x (100 ms + 100 ms)
        let gb = r.components["f"].usage["gb_seconds"].amount;
        assert!((gb - 0.125 * 0.2).abs() < 1e-12, "{gb}");
    }

    #[test]
    fn sync_errors_and_timeouts_hand_the_batch_back() {
        let f = LambdaFunction {
            timeout: Duration::from_secs(1),
            ..quick(5000.0)
        };
        let (r, seen) = run_calls(&f, 1000, vec![(0, 5, CallMode::Consume)]);
        assert_eq!(
            seen[0],
            (1000 * MS, 0, CallStatus::Failed(FailReason::Timeout), 5, 0)
        );
        let c = &r.components["f"];
        assert_eq!((c.counters.failures, c.counters.timeouts), (1, 1));
        // billed the 1 s it ran
        assert!((c.usage["gb_seconds"].amount - 0.125).abs() < 1e-12);

        let f = LambdaFunction {
            fail_prob: 1.0,
            ..quick(10.0)
        };
        let (_, seen) = run_calls(&f, 1000, vec![(0, 5, CallMode::ConsumePartial)]);
        assert_eq!(
            seen[0],
            (10 * MS, 0, CallStatus::Failed(FailReason::Error), 5, 0)
        );
        // reserved 0: disabled
        let (r, seen) = run_calls(&quick(10.0), 0, vec![(0, 3, CallMode::Consume)]);
        assert_eq!(seen[0], (0, 0, CallStatus::Throttled, 3, 0));
        assert_eq!(r.components["f"].usage["requests"].amount, 0.0);
    }

    #[test]
    fn poison_is_a_property_of_the_event() {
        let f = LambdaFunction {
            poison_prob: 0.5,
            ..LambdaFunction::default()
        };
        let (mut b, _) = LambdaB::new(&f, 0, 10).unwrap();
        b.salt = 42;
        // about half of the identities of one producer's events are poison
        let ident = |serial: u64| 0x1234_5678_u64 ^ serial.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let poison = (0..10_000u64).filter(|&i| b.is_poison(ident(i))).count();
        assert!((4_700..=5_300).contains(&poison), "{poison}");
        // the same identity always gets the same answer; another salt (another function,
        // another seed) draws afresh
        let mine: Vec<bool> = (0..200).map(|i| b.is_poison(ident(i))).collect();
        assert_eq!(
            mine,
            (0..200).map(|i| b.is_poison(ident(i))).collect::<Vec<_>>()
        );
        b.salt = 43;
        let other: Vec<bool> = (0..200).map(|i| b.is_poison(ident(i))).collect();
        assert_ne!(mine, other);
    }
}
