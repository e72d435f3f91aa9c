//! Behaviour of ContainerService: a fleet of replicas with worker slots, fed by polled
//! batches (synchronous calls from a queue's poller) and pushed deliveries (a FIFO
//! buffer), optionally autoscaled KEDA/HPA-style with a provisioning delay.

use std::collections::VecDeque;

use rand::Rng;

use crate::model::Retry;
use crate::model::aws::{ContainerService, ScaleMetric};
use crate::sim::build::{BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason, Outcome};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::sample::Sampler;
use crate::sim::station::backoff_ns;
use crate::sim::{MsgId, SimTime};

/// A pushed message finished (data: id | [`FAILED_BIT`]).
const DONE: u32 = 1;
/// A polled batch finished (data: batch slot).
const BATCH_DONE: u32 = 2;
/// A pushed message's retry backoff is over (data: id).
const RETRY: u32 = 3;
/// The autoscaler reads its metric.
const POLL: u32 = 4;
/// Replicas finish provisioning.
const READY: u32 = 5;

const FAILED_BIT: u64 = 1 << 32;

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
    Queue(u32),
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
    capacity: Option<u64>,
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
    buffer: VecDeque<MsgId>,
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

    fn set_depth(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        let depth = self.buffer.len() as u64;
        ctx.metrics().depth.set(now, depth);
    }

    /// Put a pushed message in the buffer, or straight into a free slot.
    fn enqueue(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        ctx.msg(id).enqueued = now;
        if self.busy < self.slots() && self.buffer.is_empty() {
            self.start_pushed(id, ctx);
            return;
        }
        if self
            .capacity
            .is_some_and(|c| self.buffer.len() as u64 >= c)
        {
            let m = ctx.metrics();
            m.counters.dropped += 1;
            m.bucket_error();
            ctx.end_message(id, Outcome::Dropped);
            return;
        }
        self.buffer.push_back(id);
        self.set_depth(ctx);
    }

    fn start_pushed(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let wait = now - ctx.msg(id).enqueued;
        ctx.msg(id).started = now;
        let dur = ctx.sample_ms_as_ns(&self.service);
        let mut data = u64::from(id);
        if self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob {
            data |= FAILED_BIT;
        }
        ctx.metrics().wait.record(wait);
        self.pushed_in_service += 1;
        self.set_busy(self.busy + 1, ctx);
        ctx.schedule(dur, DONE, data);
    }

    /// Fill free slots from the buffer; if a slot is still free, wake waiting pollers.
    fn pull(&mut self, ctx: &mut Ctx) {
        let mut changed = false;
        while self.busy < self.slots() {
            let Some(id) = self.buffer.pop_front() else {
                break;
            };
            changed = true;
            self.start_pushed(id, ctx);
        }
        if changed {
            self.set_depth(ctx);
        }
        if self.busy < self.slots() {
            ctx.wake_waiters();
        }
    }

    fn pushed_done(&mut self, data: u64, ctx: &mut Ctx) {
        let id = (data & 0xffff_ffff) as MsgId;
        let failed = data & FAILED_BIT != 0;
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
                ctx.schedule(delay, RETRY, u64::from(id));
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
        let Some(b) = self
            .batches
            .get_mut(slot as usize)
            .and_then(Option::take)
        else {
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
        let rec = s
            .recommend(now, ready, prov, ctx)
            .max(s.min)
            .min(s.max);
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
        ctx.schedule(interval, POLL, 0);
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
            ctx.schedule(delay, READY, 0);
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
            ctx.schedule(interval, POLL, 0);
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
        let m = ctx.metrics();
        m.counters.arrivals += 1;
        m.bucket_arrival();
        self.enqueue(id, ctx);
    }

    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        let msgs = ctx.take_call_messages(call);
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
        let mode = ctx.call_mode(call);
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
            let m = ctx.metrics();
            m.counters.arrivals += 1;
            m.bucket_arrival();
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
        ctx.schedule(total, BATCH_DONE, u64::from(slot));
    }

    fn on_local(&mut self, tag: u32, data: u64, ctx: &mut Ctx) {
        match tag {
            DONE => self.pushed_done(data, ctx),
            BATCH_DONE => self.batch_done((data & 0xffff_ffff) as u32, ctx),
            RETRY => {
                self.backing_off -= 1;
                self.enqueue((data & 0xffff_ffff) as MsgId, ctx);
            }
            POLL => self.poll(ctx),
            READY => self.replicas_ready(ctx),
            _ => {}
        }
    }

    fn held(&self) -> u64 {
        self.buffer.len() as u64 + self.pushed_in_service + self.backing_off + self.batch_msgs
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

/// Build the behaviour.
pub(crate) fn build(p: &ContainerService, env: &mut BuildEnv) -> Result<Built, String> {
    let service = Sampler::new(&p.service_ms).map_err(|e| format!("service_ms: {e}"))?;
    let conc = u64::from(p.concurrency_per_replica.max(1));
    let mut initial = p.replicas;
    let mut most = p.replicas;
    let scaler = match &p.autoscale {
        None => None,
        Some(a) => {
            let metric = match &a.metric {
                ScaleMetric::QueueDepth { queue } => {
                    Metric::Queue(env.component_index(queue).ok_or_else(|| {
                        format!(
                            "autoscale.metric: QueueDepth reads queue `{queue}`, which is not a component of this design"
                        )
                    })?)
                }
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
    let warmup = env.doc.scenario.warmup.ns.min(env.doc.scenario.duration.ns);
    let mut m = ComponentMetrics::new(u64::from(most) * conc);
    m.sojourn_is_residence = p.retry.max_attempts <= 1;
    let vcpu_meter = m.add_hourly_meter("vcpu_hours");
    let gb_meter = m.add_hourly_meter("gb_hours");
    let replicas_gauge = m.add_gauge("replicas");
    Ok(Built {
        behaviour: Box::new(ContainerB {
            conc,
            service,
            fail_prob: p.fail_prob,
            retry: p.retry.clone(),
            capacity: p.queue_capacity,
            vcpu: p.vcpu,
            memory_gb: p.memory_gb,
            scaler,
            ready: initial,
            provisioning: VecDeque::new(),
            provisioning_total: 0,
            billed: 0,
            buffer: VecDeque::new(),
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
            replicas_area: Area::starting(warmup),
        }),
        metrics: m,
        routing: p.routing,
    })
}
