//! Behaviour of ContainerService: a fleet of replicas with worker slots, fed by polled
//! batches (synchronous calls from a queue's poller) and pushed deliveries (a FIFO
//! buffer), optionally autoscaled KEDA/HPA-style with a provisioning delay.

use std::collections::VecDeque;

use rand::Rng;

use crate::model::aws::{ContainerService, ScaleMetric};
use crate::model::{Cap, Retry};
use crate::sim::CompId;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::resend::WithSdk;
use crate::sim::sample::Sampler;
use crate::sim::station::{Admit, Buffer, backoff_ns};
use crate::sim::timer::{Fired, Timer, low, pack, unpack};
use crate::sim::{MsgId, SimTime};

/// The service's timers (its SDK's resends are the [`WithSdk`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// A pushed message finished, failed or not.
    Done { id: MsgId, failed: bool },
    /// A polled batch finished (its batch slot).
    BatchDone(u32),
    /// A pushed message's retry backoff is over.
    Retry(MsgId),
    /// The autoscaler reads its metric.
    Poll,
    /// Replicas finish provisioning.
    Ready,
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Done { id, failed } => (0, pack(id, u32::from(failed))),
            Tick::BatchDone(slot) => (1, u64::from(slot)),
            Tick::Retry(id) => (2, u64::from(id)),
            Tick::Poll => (3, 0),
            Tick::Ready => (4, 0),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        let (id, flag) = unpack(data);
        match tag {
            0 => Some(Tick::Done {
                id,
                failed: flag != 0,
            }),
            1 => Some(Tick::BatchDone(low(data))),
            2 => Some(Tick::Retry(id)),
            3 => Some(Tick::Poll),
            4 => Some(Tick::Ready),
            _ => None,
        }
    }
}

/// Integral of a level over time, counted from `from` on (earlier time is ignored).
#[derive(Clone, Debug, Default)]
struct Area {
    from: SimTime,
    level: u64,
    last: SimTime,
    area: u128,
}

impl Area {
    fn starting(from: SimTime) -> Self {
        Area {
            from,
            ..Area::default()
        }
    }

    fn set(&mut self, now: SimTime, level: u64) {
        let a = now.max(self.from);
        let b = self.last.max(self.from);
        self.area += u128::from(self.level) * u128::from(a.saturating_sub(b));
        self.last = self.last.max(now);
        self.level = level;
    }

    /// The area up to `now`, then start again from zero.
    fn take(&mut self, now: SimTime) -> u128 {
        self.set(now, self.level);
        std::mem::take(&mut self.area)
    }

    /// Time average from `from` to `now`.
    fn mean(&self, now: SimTime) -> f64 {
        let a = now.max(self.from);
        let b = self.last.max(self.from);
        let area = self.area + u128::from(self.level) * u128::from(a.saturating_sub(b));
        let span = now.saturating_sub(self.from);
        if span == 0 {
            self.level as f64
        } else {
            area as f64 / span as f64
        }
    }
}

/// The compiled metric.
#[derive(Clone, Copy, Debug)]
enum Metric {
    /// Depth + in-flight of this component, per replica target.
    Queue(CompId),
    /// Utilisation target.
    Util(f64),
}

/// Autoscaler state.
#[derive(Debug)]
struct Scaler {
    metric: Metric,
    target_per_replica: f64,
    min: u32,
    max: u32,
    interval: SimTime,
    up_window: SimTime,
    down_window: SimTime,
    provisioning: SimTime,
    tolerance: f64,
    /// Recommendations (time, replicas) within the longer stabilisation window.
    history: VecDeque<(SimTime, u32)>,
    /// Busy slots and ready slots over the current polling interval.
    busy_area: Area,
    slot_area: Area,
}

/// `ceil(x)` as a replica count, forgiving float noise just above an integer.
fn ceil_count(x: f64) -> u32 {
    if !x.is_finite() || x <= 0.0 {
        return 0;
    }
    let c = (x - 1e-9).ceil();
    if c >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        c.max(0.0) as u32
    }
}

impl Scaler {
    /// The replica count the metric asks for now (before clamping), given the replicas
    /// that are ready and the ones provisioning.
    fn recommend(&mut self, now: SimTime, ready: u32, provisioning: u32, ctx: &Ctx) -> u32 {
        let spec = ready + provisioning;
        match self.metric {
            Metric::Queue(c) => {
                let (depth, busy) = ctx.level_of(c);
                let m = (depth + busy) as f64;
                if spec == 0 {
                    // KEDA activation: from zero on the first message, no tolerance
                    return if m > 0.0 {
                        ceil_count(m / self.target_per_replica).max(1)
                    } else {
                        0
                    };
                }
                let ratio = m / (f64::from(spec) * self.target_per_replica);
                if (ratio - 1.0).abs() <= self.tolerance {
                    spec
                } else {
                    ceil_count(m / self.target_per_replica)
                }
            }
            Metric::Util(target) => {
                let busy = self.busy_area.take(now);
                let slots = self.slot_area.take(now);
                if slots == 0 {
                    return spec; // nothing ready to measure
                }
                let ratio = busy as f64 / slots as f64 / target;
                if (ratio - 1.0).abs() <= self.tolerance {
                    return spec;
                }
                let raw = ceil_count(f64::from(spec) * ratio);
                if raw > spec && provisioning > 0 {
                    // HPA: replicas not ready yet count as idle when scaling up; if that
                    // no longer asks for more, hold.
                    let cons = ceil_count(f64::from(ready) * ratio);
                    if cons <= spec { spec } else { cons }
                } else {
                    raw
                }
            }
        }
    }
}

/// A polled batch in service: it holds one slot.
#[derive(Debug)]
struct Batch {
    call: CallId,
    mode: CallMode,
    msgs: Vec<MsgId>,
    /// Per processed message (a prefix of `msgs`): whether it succeeded.
    ok: Vec<bool>,
}

/// The container service.
pub struct ContainerB {
    conc: u64,
    service: Sampler,
    fail_prob: f64,
    retry: Retry,
    vcpu: f64,
    memory_gb: f64,
    scaler: Option<Scaler>,
    // fleet
    ready: u32,
    /// Replicas provisioning: (ready at, count), in time order.
    provisioning: VecDeque<(SimTime, u32)>,
    provisioning_total: u32,
    billed: u32,
    // work
    buffer: Buffer,
    busy: u64,
    pushed_in_service: u64,
    backing_off: u64,
    batches: Vec<Option<Batch>>,
    free_batches: Vec<u32>,
    batch_msgs: u64,
    sojourn_is_residence: bool,
    // report
    vcpu_meter: usize,
    gb_meter: usize,
    replicas_gauge: usize,
    scale_ups: u64,
    scale_downs: u64,
    replicas_max: u32,
    busy_replies: u64,
    replicas_area: Area,
}

impl ContainerB {
    fn slots(&self) -> u64 {
        u64::from(self.ready) * self.conc
    }

    /// Replicas paid for: ready, provisioning, and removed ones still finishing work.
    fn update_billing(&mut self, ctx: &mut Ctx) {
        let over = self.busy.saturating_sub(self.slots());
        let draining = u32::try_from(over.div_ceil(self.conc)).unwrap_or(u32::MAX);
        let billed = self
            .ready
            .saturating_add(self.provisioning_total)
            .saturating_add(draining);
        if billed != self.billed {
            self.billed = billed;
            let now = ctx.now();
            let (v, g) = (self.vcpu, self.memory_gb);
            let (vi, gi) = (self.vcpu_meter, self.gb_meter);
            let m = ctx.metrics();
            m.set_level(vi, now, f64::from(billed) * v);
            m.set_level(gi, now, f64::from(billed) * g);
        }
    }

    fn set_busy(&mut self, busy: u64, ctx: &mut Ctx) {
        let now = ctx.now();
        self.busy = busy;
        ctx.metrics().busy.set(now, busy);
        if let Some(s) = &mut self.scaler {
            s.busy_area.set(now, busy);
        }
        self.update_billing(ctx);
    }

    fn set_ready(&mut self, ready: u32, ctx: &mut Ctx) {
        let now = ctx.now();
        self.ready = ready;
        self.replicas_max = self.replicas_max.max(ready);
        self.replicas_area.set(now, u64::from(ready));
        let slots = self.slots();
        if let Some(s) = &mut self.scaler {
            s.slot_area.set(now, slots);
        }
        let g = self.replicas_gauge;
        ctx.metrics().set_gauge(g, now, u64::from(ready));
        self.update_billing(ctx);
    }

    /// Put a pushed message in the buffer, or straight into a free slot.
    fn enqueue(&mut self, id: MsgId, ctx: &mut Ctx) {
        if self.buffer.admit(id, self.busy < self.slots(), ctx) == Admit::Start {
            self.start_pushed(id, ctx);
        }
    }

    fn start_pushed(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let wait = now - ctx.msg(id).enqueued;
        ctx.msg(id).started = now;
        let dur = ctx.sample_ms_as_ns(&self.service);
        let failed = self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob;
        ctx.metrics().wait.record(wait);
        self.pushed_in_service += 1;
        self.set_busy(self.busy + 1, ctx);
        ctx.schedule(dur, Tick::Done { id, failed });
    }

    /// Fill free slots from the buffer; if a slot is still free, wake waiting pollers.
    fn pull(&mut self, ctx: &mut Ctx) {
        let before = self.buffer.len();
        while self.busy < self.slots() {
            let Some(id) = self.buffer.take(ctx) else {
                break;
            };
            self.start_pushed(id, ctx);
        }
        self.buffer.record_depth_since(before, ctx);
        if self.busy < self.slots() {
            ctx.wake_waiters();
        }
    }

    fn pushed_done(&mut self, id: MsgId, failed: bool, ctx: &mut Ctx) {
        let now = ctx.now();
        self.pushed_in_service -= 1;
        let msg = *ctx.msg(id);
        let sojourn_is_residence = self.sojourn_is_residence;
        let m = ctx.metrics();
        m.service.record(now - msg.started);
        if !sojourn_is_residence {
            m.sojourn.record(now - msg.enqueued);
        }
        if failed {
            m.counters.failures += 1;
            m.bucket_error();
            let attempt = msg.attempt + 1;
            ctx.msg(id).attempt = attempt;
            if u32::from(attempt) < self.retry.max_attempts {
                ctx.metrics().counters.retries += 1;
                let delay = backoff_ns(&self.retry, u32::from(attempt), ctx.rng());
                self.backing_off += 1;
                ctx.schedule(delay, Tick::Retry(id));
            } else {
                ctx.metrics().residence.record(now - msg.arrived);
                ctx.give_up(id, FailReason::Error);
            }
        } else {
            m.counters.completions += 1;
            m.residence.record(now - msg.arrived);
            m.bucket_completion();
            ctx.forward(id);
        }
        self.set_busy(self.busy - 1, ctx);
        self.pull(ctx);
    }

    fn batch_done(&mut self, slot: u32, ctx: &mut Ctx) {
        let Some(b) = self.batches.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.free_batches.push(slot);
        self.batch_msgs -= b.msgs.len() as u64;
        let now = ctx.now();
        let n_ok = b.ok.iter().filter(|&&ok| ok).count();
        let n_failed = b.ok.len() - n_ok;
        let status = if n_failed > 0 {
            CallStatus::Failed(FailReason::Error)
        } else {
            CallStatus::Ok
        };
        {
            let m = ctx.metrics();
            m.counters.failures += n_failed as u64;
            for _ in 0..n_failed {
                m.bucket_error();
            }
        }
        let processed = u32::try_from(n_ok).unwrap_or(u32::MAX);
        match b.mode {
            CallMode::Consume if n_failed > 0 => {
                // all or nothing: the whole batch goes back
                ctx.reply(b.call, status, b.msgs, 0);
            }
            CallMode::Consume | CallMode::ConsumePartial => {
                let mut back = Vec::with_capacity(n_failed);
                for (i, &id) in b.msgs.iter().enumerate() {
                    if b.ok.get(i).copied().unwrap_or(false) {
                        self.complete(id, now, ctx);
                        ctx.forward(id);
                    } else {
                        back.push(id);
                    }
                }
                ctx.reply(b.call, status, back, processed);
            }
            CallMode::Transform => {
                for (i, &id) in b.msgs.iter().enumerate() {
                    if b.ok.get(i).copied().unwrap_or(false) {
                        self.complete(id, now, ctx);
                    }
                }
                ctx.reply(b.call, status, b.msgs, processed);
            }
        }
        self.set_busy(self.busy - 1, ctx);
        self.pull(ctx);
    }

    fn complete(&self, id: MsgId, now: SimTime, ctx: &mut Ctx) {
        let arrived = ctx.msg(id).arrived;
        let m = ctx.metrics();
        m.counters.completions += 1;
        m.residence.record(now - arrived);
        m.bucket_completion();
    }

    fn poll(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let (ready, prov) = (self.ready, self.provisioning_total);
        let Some(s) = &mut self.scaler else {
            return;
        };
        let rec = s.recommend(now, ready, prov, ctx).max(s.min).min(s.max);
        let keep = s.up_window.max(s.down_window);
        while s
            .history
            .front()
            .is_some_and(|&(t, _)| t < now.saturating_sub(keep))
        {
            s.history.pop_front();
        }
        s.history.push_back((now, rec));
        let up_from = now.saturating_sub(s.up_window);
        let down_from = now.saturating_sub(s.down_window);
        let up = s
            .history
            .iter()
            .filter(|(t, _)| *t >= up_from)
            .map(|(_, r)| *r)
            .min()
            .unwrap_or(rec);
        let down = s
            .history
            .iter()
            .filter(|(t, _)| *t >= down_from)
            .map(|(_, r)| *r)
            .max()
            .unwrap_or(rec);
        let (interval, delay) = (s.interval, s.provisioning);
        ctx.schedule(interval, Tick::Poll);
        let spec = ready + prov;
        if up > spec {
            self.scale_up(up - spec, delay, ctx);
        } else if down < spec {
            self.scale_down(spec - down, ctx);
        }
    }

    fn scale_up(&mut self, k: u32, delay: SimTime, ctx: &mut Ctx) {
        self.scale_ups += 1;
        if delay == 0 {
            self.set_ready(self.ready + k, ctx);
            self.pull(ctx);
        } else {
            let now = ctx.now();
            self.provisioning.push_back((now.saturating_add(delay), k));
            self.provisioning_total += k;
            ctx.schedule(delay, Tick::Ready);
            self.update_billing(ctx);
        }
    }

    fn scale_down(&mut self, mut k: u32, ctx: &mut Ctx) {
        self.scale_downs += 1;
        // replicas still provisioning go first (newest first), then idle ready ones
        while k > 0 {
            let Some(back) = self.provisioning.back_mut() else {
                break;
            };
            let take = k.min(back.1);
            back.1 -= take;
            k -= take;
            self.provisioning_total -= take;
            if back.1 == 0 {
                self.provisioning.pop_back();
            }
        }
        let ready = self.ready.saturating_sub(k);
        self.set_ready(ready, ctx);
    }

    fn replicas_ready(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let mut ready = self.ready;
        while let Some(&(at, n)) = self.provisioning.front() {
            if at > now {
                break;
            }
            self.provisioning.pop_front();
            self.provisioning_total -= n;
            ready += n;
        }
        if ready != self.ready {
            self.set_ready(ready, ctx);
            self.pull(ctx);
        }
    }
}

impl Behaviour for ContainerB {
    fn start(&mut self, ctx: &mut Ctx) {
        let ready = self.ready;
        self.billed = u32::MAX; // force the first meter level
        self.set_ready(ready, ctx);
        if let Some(s) = &mut self.scaler {
            s.history.push_back((0, ready));
            let interval = s.interval;
            ctx.schedule(interval, Tick::Poll);
        }
    }

    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        {
            let msg = ctx.msg(id);
            msg.arrived = now;
            msg.attempt = 0;
            msg.reason = FailReason::None;
        }
        self.enqueue(id, ctx);
    }

    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        let msgs = ctx.take_call_messages(call);
        let mode = ctx.call_mode(call);
        let caller = msgs.first().map(|&id| ctx.msg(id).from);
        // calls from polled kinds are batches (one slot each, `Busy` when none is free)
        let polled = caller.is_some_and(|c| ctx.kind_of(c).can(Cap::Polled));
        if !polled && mode != CallMode::Transform {
            // not a poller (API Gateway, a bus): each message is pushed work, taken now
            let n = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
            for id in msgs {
                self.on_deliver(id, ctx);
            }
            ctx.reply(call, CallStatus::Ok, Vec::new(), n);
            return;
        }
        if self.busy >= self.slots() {
            // no free slot: nothing runs, nothing is billed; the poller waits for us
            self.busy_replies += 1;
            ctx.reply(call, CallStatus::Busy, msgs, 0);
            return;
        }
        if msgs.is_empty() {
            ctx.reply(call, CallStatus::Ok, msgs, 0);
            return;
        }
        let now = ctx.now();
        let mut total: SimTime = 0;
        let mut ok = Vec::with_capacity(msgs.len());
        for &id in &msgs {
            {
                let msg = ctx.msg(id);
                msg.arrived = now;
                msg.enqueued = now;
                msg.started = now;
            }
        }
        for _ in 0..msgs.len() {
            let d = ctx.sample_ms_as_ns(&self.service);
            total = total.saturating_add(d);
            ctx.metrics().service.record(d);
            let failed = self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob;
            ok.push(!failed);
            if failed && mode == CallMode::Consume {
                break; // the handler stops at the first error; the rest goes back unprocessed
            }
        }
        self.batch_msgs += msgs.len() as u64;
        let batch = Batch {
            call,
            mode,
            msgs,
            ok,
        };
        let slot = if let Some(s) = self.free_batches.pop() {
            self.batches[s as usize] = Some(batch);
            s
        } else {
            self.batches.push(Some(batch));
            u32::try_from(self.batches.len() - 1).unwrap_or(u32::MAX)
        };
        self.set_busy(self.busy + 1, ctx);
        ctx.schedule(total, Tick::BatchDone(slot));
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Done { id, failed }) => self.pushed_done(id, failed, ctx),
            Some(Tick::BatchDone(slot)) => self.batch_done(slot, ctx),
            Some(Tick::Retry(id)) => {
                self.backing_off -= 1;
                self.enqueue(id, ctx);
            }
            Some(Tick::Poll) => self.poll(ctx),
            Some(Tick::Ready) => self.replicas_ready(ctx),
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.buffer.len() as u64 + self.pushed_in_service + self.backing_off + self.batch_msgs
    }

    /// The scaling counts and busy replies restart; `replicas_max` and the mean restart
    /// from the replicas ready now.
    fn warm_up_ended(&mut self, now: SimTime) {
        self.scale_ups = 0;
        self.scale_downs = 0;
        self.busy_replies = 0;
        self.replicas_max = self.ready;
        self.replicas_area = Area::starting(now);
        self.replicas_area.set(now, u64::from(self.ready));
    }

    fn extra(&self, now: SimTime) -> Vec<(String, f64)> {
        vec![
            ("replicas_max".to_owned(), f64::from(self.replicas_max)),
            ("replicas_mean".to_owned(), self.replicas_area.mean(now)),
            ("scale_ups".to_owned(), self.scale_ups as f64),
            ("scale_downs".to_owned(), self.scale_downs as f64),
            ("busy_replies".to_owned(), self.busy_replies as f64),
        ]
    }
}

impl Build for ContainerService {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &ContainerService, env: &mut BuildEnv) -> Result<Built, String> {
    let queue = match p.autoscale.as_ref().map(|a| &a.metric) {
        Some(ScaleMetric::QueueDepth { queue }) => Some(env.component_index(queue).ok_or_else(|| {
            format!(
                "autoscale.metric: QueueDepth reads queue `{queue}`, which is not a component of this design"
            )
        })?),
        _ => None,
    };
    let (behaviour, metrics) = compile(p, queue)?;
    // what the service sends on is sent by its SDK, which retries refusals
    Ok(Built {
        behaviour: Box::new(WithSdk::new(behaviour, p.sdk_retry.clone())),
        metrics,
        routing: p.routing,
    })
}

/// The behaviour and its metrics, given the index of the queue a `QueueDepth` metric
/// reads and the end of the warm-up.
fn compile(
    p: &ContainerService,
    queue: Option<CompId>,
) -> Result<(ContainerB, ComponentMetrics), String> {
    let service = Sampler::new(&p.service_ms).map_err(|e| format!("service_ms: {e}"))?;
    let conc = u64::from(p.concurrency_per_replica.max(1));
    let mut initial = p.replicas;
    let mut most = p.replicas;
    let scaler = match &p.autoscale {
        None => None,
        Some(a) => {
            let metric = match &a.metric {
                ScaleMetric::QueueDepth { queue: id } => Metric::Queue(
                    queue.ok_or_else(|| format!("autoscale.metric: queue `{id}` not found"))?,
                ),
                ScaleMetric::Utilisation { target } => Metric::Util(*target),
            };
            initial = initial.max(a.min_replicas).min(a.max_replicas);
            most = a.max_replicas.max(initial);
            Some(Scaler {
                metric,
                target_per_replica: a.target_per_replica,
                min: a.min_replicas,
                max: a.max_replicas.max(a.min_replicas),
                interval: a.polling_interval.ns.max(1),
                up_window: a.scale_up_delay.ns,
                down_window: a.scale_down_delay.ns,
                provisioning: a.provisioning_delay.ns,
                tolerance: a.tolerance,
                history: VecDeque::new(),
                busy_area: Area::default(),
                slot_area: Area::default(),
            })
        }
    };
    let mut m = ComponentMetrics::new(u64::from(most) * conc);
    m.sojourn_is_residence = p.retry.max_attempts <= 1;
    let vcpu_meter = m.add_hourly_meter("vcpu_hours");
    let gb_meter = m.add_hourly_meter("gb_hours");
    let replicas_gauge = m.add_gauge("replicas");
    let b = ContainerB {
        conc,
        service,
        fail_prob: p.fail_prob,
        retry: p.retry.clone(),
        vcpu: p.vcpu,
        memory_gb: p.memory_gb,
        scaler,
        ready: initial,
        provisioning: VecDeque::new(),
        provisioning_total: 0,
        billed: 0,
        buffer: Buffer::new(p.queue_capacity, None),
        busy: 0,
        pushed_in_service: 0,
        backing_off: 0,
        batches: Vec::new(),
        free_batches: Vec::new(),
        batch_msgs: 0,
        sojourn_is_residence: p.retry.max_attempts <= 1,
        vcpu_meter,
        gb_meter,
        replicas_gauge,
        scale_ups: 0,
        scale_downs: 0,
        replicas_max: initial,
        busy_replies: 0,
        replicas_area: Area::default(),
    };
    Ok((b, m))
}

#[cfg(test)]
mod tests {
    //! Synchronous callers are other kinds (SQS pollers); here a test caller stands in
    //! for one, wired to the service by hand.
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::model::{Component, ComponentKind, Document, Kind, Producer};
    use crate::sim::engine::{EventTypeRt, Link, Outcome, Outputs, Simulation};
    use crate::sim::{CompId, LinkId};

    /// What the test caller saw.
    #[derive(Debug, Default)]
    struct Seen {
        /// (time, status, returned, processed) per reply.
        replies: Vec<(SimTime, CallStatus, usize, u32)>,
        wakes: Vec<SimTime>,
    }

    /// Sends `batches` batches of `size` messages at time zero in `mode`; on `Busy` it
    /// waits for the service and sends the batch again when woken. Messages handed back
    /// otherwise are ended as failed.
    struct Caller {
        batches: usize,
        size: usize,
        mode: CallMode,
        waiting: Vec<Vec<MsgId>>,
        seen: Arc<Mutex<Seen>>,
    }

    impl Behaviour for Caller {
        fn start(&mut self, ctx: &mut Ctx) {
            for _ in 0..self.batches {
                let msgs: Vec<MsgId> = (0..self.size).map(|_| ctx.create(&[(0, 1.0)])).collect();
                ctx.invoke(LinkId::new(0), msgs, self.mode, 0);
            }
        }
        fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
            ctx.end_message(msg, Outcome::Failed);
        }
        fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
            let r = ctx.take_reply(call);
            let now = ctx.now();
            self.seen
                .lock()
                .unwrap()
                .replies
                .push((now, r.status, r.returned.len(), r.processed));
            if r.status == CallStatus::Busy {
                self.waiting.push(r.returned);
                ctx.wait_for(CompId::new(1));
            } else {
                for id in r.returned {
                    ctx.end_message(id, Outcome::Failed);
                }
            }
        }
        fn on_wake(&mut self, _from: CompId, ctx: &mut Ctx) {
            self.seen.lock().unwrap().wakes.push(ctx.now());
            for msgs in std::mem::take(&mut self.waiting) {
                ctx.invoke(LinkId::new(0), msgs, self.mode, 0);
            }
        }
        fn held(&self) -> u64 {
            self.waiting.iter().map(|w| w.len() as u64).sum()
        }
    }

    fn run(
        svc: &ContainerService,
        batches: usize,
        size: usize,
        mode: CallMode,
    ) -> (Seen, crate::sim::Report) {
        run_as(svc, batches, size, mode, Kind::SqsQueue)
    }

    /// As [`run`], with the caller seen as a component of kind `caller_kind`.
    fn run_as(
        svc: &ContainerService,
        batches: usize,
        size: usize,
        mode: CallMode,
        caller_kind: Kind,
    ) -> (Seen, crate::sim::Report) {
        let doc = Document {
            components: vec![
                Component {
                    id: "caller".into(),
                    name: String::new(),
                    kind: ComponentKind::Producer(Producer::default()),
                },
                Component {
                    id: "svc".into(),
                    name: String::new(),
                    kind: ComponentKind::ContainerService(svc.clone()),
                },
            ],
            ..Document::default()
        };
        let seen = Arc::new(Mutex::new(Seen::default()));
        let caller = Caller {
            batches,
            size,
            mode,
            waiting: Vec::new(),
            seen: Arc::clone(&seen),
        };
        let (b, m) = compile(svc, None).unwrap();
        let mut outputs = vec![Outputs::default(), Outputs::default()];
        outputs[0].delivery.push(LinkId::new(0));
        let links = vec![Link {
            target: CompId::new(1),
            weight: 1.0,
            latency: None,
            filter: None,
        }];
        let types = vec![EventTypeRt {
            size: Sampler::Constant(100.0),
            attrs: Vec::new(),
        }];
        let mut sim = Simulation::assemble(
            &doc,
            7,
            vec![
                Box::new(caller),
                Box::new(WithSdk::new(b, svc.sdk_retry.clone())),
            ],
            vec![ComponentMetrics::new(0), m],
            outputs,
            links,
            types,
            Vec::new(),
        );
        // the service treats calls from queues and streams as polled batches
        sim.core.kinds[0] = caller_kind;
        sim.run();
        let report = sim.report();
        assert!(report.ledger.balanced, "{:?}", report.ledger);
        drop(sim);
        let seen = Arc::try_unwrap(seen).unwrap().into_inner().unwrap();
        (seen, report)
    }

    fn one_slot(fail_prob: f64) -> ContainerService {
        ContainerService {
            replicas: 1,
            concurrency_per_replica: 1,
            service_ms: Dist::Constant(100.0),
            fail_prob,
            ..ContainerService::default()
        }
    }

    use crate::model::Dist;

    #[test]
    fn a_call_without_a_free_slot_is_answered_busy_and_woken_when_one_frees() {
        let (seen, r) = run(&one_slot(0.0), 2, 3, CallMode::Consume);
        let ms = 1_000_000;
        // the second batch finds the only slot taken: Busy at once, everything back
        assert_eq!(seen.replies[0], (0, CallStatus::Busy, 3, 0));
        // the first batch's three messages take 3 x 100 ms in its one slot
        assert_eq!(seen.replies[1], (300 * ms, CallStatus::Ok, 0, 3));
        // the freed slot wakes the waiting caller, whose batch then runs 300..600 ms
        assert_eq!(seen.wakes, vec![300 * ms]);
        assert_eq!(seen.replies[2], (600 * ms, CallStatus::Ok, 0, 3));
        assert_eq!(seen.replies.len(), 3);
        let svc = &r.components["svc"];
        assert_eq!(svc.counters.completions, 6);
        // the Busy reply ran nothing: three arrivals per batch that ran
        assert_eq!(svc.counters.arrivals, 6);
        assert_eq!(svc.extra["busy_replies"], 1.0);
    }

    #[test]
    fn calls_from_other_kinds_are_taken_as_pushed_messages() {
        let (seen, r) = run_as(&one_slot(0.0), 2, 3, CallMode::Consume, Kind::ApiGateway);
        // both batches taken at once; their six messages queue for the one slot
        assert_eq!(seen.replies.len(), 2);
        assert!(seen.replies.iter().all(|x| *x == (0, CallStatus::Ok, 0, 3)));
        let svc = &r.components["svc"];
        assert_eq!(svc.counters.completions, 6);
        assert_eq!(svc.queue_depth.max, 5);
        assert_eq!(svc.extra["busy_replies"], 0.0);
    }

    #[test]
    fn consume_is_all_or_nothing_and_partial_hands_back_only_failures() {
        let svc = ContainerService {
            replicas: 10,
            concurrency_per_replica: 100,
            service_ms: Dist::Constant(1.0),
            fail_prob: 0.1,
            ..ContainerService::default()
        };
        let (batches, size) = (2000, 10);
        let (mut seen, r) = run(&svc, batches, size, CallMode::Consume);
        // 1,000 slots for 2,000 batches: the rest wait for a slot and come back
        let busy = seen
            .replies
            .iter()
            .filter(|x| x.1 == CallStatus::Busy)
            .count();
        assert!(busy >= batches - 1000, "{busy}");
        seen.replies.retain(|x| x.1 != CallStatus::Busy);
        assert_eq!(seen.replies.len(), batches);
        let ok = seen
            .replies
            .iter()
            .filter(|x| x.1 == CallStatus::Ok)
            .count();
        for x in &seen.replies {
            match x.1 {
                CallStatus::Ok => assert_eq!((x.2, x.3), (0, 10)),
                CallStatus::Failed(FailReason::Error) => assert_eq!((x.2, x.3), (10, 0)),
                other => panic!("unexpected {other:?}"),
            }
        }
        // a batch succeeds when all 10 messages do: 0.9^10 = 0.3487 (sd 0.011)
        let share = ok as f64 / batches as f64;
        assert!((share - 0.9f64.powi(10)).abs() < 0.04, "{share}");
        assert_eq!(r.components["svc"].counters.completions, ok as u64 * 10);

        let (mut seen, r) = run(&svc, batches, size, CallMode::ConsumePartial);
        seen.replies.retain(|x| x.1 != CallStatus::Busy);
        assert_eq!(seen.replies.len(), batches);
        let processed: u32 = seen.replies.iter().map(|x| x.3).sum();
        for x in &seen.replies {
            assert_eq!(x.2 + x.3 as usize, size);
        }
        let share = f64::from(processed) / (batches * size) as f64;
        assert!((share - 0.9).abs() < 0.01, "{share}");
        assert_eq!(
            r.components["svc"].counters.completions,
            u64::from(processed)
        );
    }
}
