//! Behaviour of a Firehose delivery stream: a size-or-interval buffer, an optional
//! Lambda transform per flushed batch, and one delivery call per destination with
//! retries for up to `retry_duration`.
//!
//! Figures: <https://docs.aws.amazon.com/goto/WebAPI/firehose-2015-08-04/BufferingHints>
//! (buffer hints), <https://aws.amazon.com/de/kinesis/data-firehose/pricing/> (records
//! billed in 5 KB steps),
//! <https://github.com/awsdocs/amazon-kinesis-data-firehose-developer-guide/blob/06060113e2b352f47b8079f8d7cb5634fff3af19/doc_source/basic-deliver.md>
//! (S3 retried for up to 24 h; a failed transform invocation is retried 3 times).

use super::shard::{BYTES_PER_GB, retry_delay};
use crate::model::ComponentKind;
use crate::model::aws::Firehose;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::sample::Sampler;
use crate::sim::timer::{Fired, Timer};
use crate::sim::{
    Behaviour, CallId, CallMode, CallStatus, ComponentMetrics, Ctx, FailReason, MsgId, Outcome,
    SimTime,
};
use crate::sim::{CompId, LinkId};

/// The stream's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// The buffer interval of this buffer generation has passed.
    Flush(u64),
    /// A job has been written and goes to its destinations.
    Written(usize),
    /// Retry a job.
    Retry(usize),
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Flush(generation) => (0, generation),
            Tick::Written(job) => (1, job as u64),
            Tick::Retry(job) => (2, job as u64),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        let job = usize::try_from(data).unwrap_or(usize::MAX);
        match tag {
            0 => Some(Tick::Flush(data)),
            1 => Some(Tick::Written(job)),
            2 => Some(Tick::Retry(job)),
            _ => None,
        }
    }
}

/// Firehose retries a failed transform invocation 3 times, then skips the batch.
const TRANSFORM_RETRIES: u32 = 3;
/// Ingestion is billed per record in 5 KB steps (5,120 bytes).
const INGEST_STEP: u64 = 5_120;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for (or in) the transform call.
    Transform,
    /// Being written (the delivery latency).
    Written,
    /// Delivered over one link.
    Deliver { link: LinkId, target: CompId },
}

struct Job {
    msgs: Vec<MsgId>,
    stage: Stage,
    /// When the batch was flushed (the retry duration counts from here).
    first: SimTime,
    failed: u32,
    in_call: bool,
}

struct FirehoseB {
    limit: u64,
    interval: SimTime,
    transform: Option<CompId>,
    latency: Sampler,
    retry_duration: SimTime,
    buffer: Vec<MsgId>,
    bytes: u64,
    generation: u64,
    jobs: Vec<Option<Job>>,
    free: Vec<usize>,
    waiting: Vec<usize>,
    calls: u64,
    gb_ingested: usize,
    by_size: u64,
    by_interval: u64,
    deliveries: u64,
}

impl Build for Firehose {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &Firehose, env: &mut BuildEnv) -> Result<Built, String> {
    let transform = match &p.transform {
        None => None,
        Some(id) => {
            let i = env
                .component_index(id)
                .ok_or_else(|| format!("transform: there is no component `{id}`"))?;
            let kind = &env.doc.components[i].kind;
            if !matches!(kind, ComponentKind::Lambda(_)) {
                return Err(format!(
                    "transform: `{id}` is a {}, not a Lambda function",
                    kind.kind_name()
                ));
            }
            Some(i)
        }
    };
    let latency =
        Sampler::new(&p.delivery_latency_ms).map_err(|e| format!("delivery_latency_ms: {e}"))?;
    let mut m = ComponentMetrics::new(0);
    let gb_ingested = m.add_meter("gb_ingested");
    let limit = (p.buffer_mb.clamp(1.0, 128.0) * 1_048_576.0).round() as u64;
    Ok(Built {
        behaviour: Box::new(FirehoseB {
            limit,
            interval: p.buffer_interval.ns,
            transform,
            latency,
            retry_duration: p.retry_duration.ns,
            buffer: Vec::new(),
            bytes: 0,
            generation: 0,
            jobs: Vec::new(),
            free: Vec::new(),
            waiting: Vec::new(),
            calls: 0,
            gb_ingested,
            by_size: 0,
            by_interval: 0,
            deliveries: 0,
        }),
        metrics: m,
        routing: crate::model::Routing::FanOut,
    })
}

impl FirehoseB {
    fn add_job(&mut self, job: Job) -> usize {
        if let Some(i) = self.free.pop() {
            self.jobs[i] = Some(job);
            i
        } else {
            self.jobs.push(Some(job));
            self.jobs.len() - 1
        }
    }

    fn drop_job(&mut self, i: usize) -> Option<Job> {
        let job = self.jobs.get_mut(i).and_then(Option::take);
        if job.is_some() {
            self.free.push(i);
        }
        job
    }

    fn set_busy(&mut self, delta: i64, ctx: &mut Ctx) {
        self.calls = self.calls.saturating_add_signed(delta);
        let now = ctx.now();
        let calls = self.calls;
        ctx.metrics().busy.set(now, calls);
    }

    fn flush(&mut self, by_size: bool, ctx: &mut Ctx) {
        if self.buffer.is_empty() {
            return;
        }
        if by_size {
            self.by_size += 1;
        } else {
            self.by_interval += 1;
        }
        let msgs = std::mem::take(&mut self.buffer);
        self.bytes = 0;
        let now = ctx.now();
        ctx.metrics().depth.set(now, 0);
        match self.transform {
            Some(_) => {
                let i = self.add_job(Job {
                    msgs,
                    stage: Stage::Transform,
                    first: now,
                    failed: 0,
                    in_call: false,
                });
                self.call(i, ctx);
            }
            None => self.write(msgs, now, ctx),
        }
    }

    /// Start writing a batch to the destinations (takes the delivery latency).
    fn write(&mut self, msgs: Vec<MsgId>, first: SimTime, ctx: &mut Ctx) {
        if msgs.is_empty() {
            return;
        }
        let i = self.add_job(Job {
            msgs,
            stage: Stage::Written,
            first,
            failed: 0,
            in_call: false,
        });
        let d = ctx.sample_ms_as_ns(&self.latency);
        ctx.schedule(d, Tick::Written(i));
    }

    /// The batch is written: one call per destination (copies for the second and
    /// later), or delivered here when there is no destination.
    fn fan_out(&mut self, i: usize, ctx: &mut Ctx) {
        let Some(job) = self.drop_job(i) else {
            return;
        };
        let links = ctx.delivery_links().to_vec();
        if links.is_empty() {
            let m = ctx.metrics();
            m.counters.completions += job.msgs.len() as u64;
            for id in job.msgs {
                ctx.metrics().bucket_completion();
                ctx.deliver_here(id);
            }
            return;
        }
        let mut per_link: Vec<Vec<MsgId>> = vec![Vec::new(); links.len()];
        let mut matched: Vec<usize> = Vec::with_capacity(links.len());
        for id in job.msgs {
            matched.clear();
            matched.extend((0..links.len()).filter(|&k| ctx.link_matches(links[k], id)));
            let Some((&last, rest)) = matched.split_last() else {
                ctx.metrics().counters.filtered += 1;
                ctx.end_message(id, Outcome::Filtered);
                continue;
            };
            for &k in rest {
                let c = ctx.copy_message(id);
                per_link[k].push(c);
            }
            per_link[last].push(id);
        }
        for (k, msgs) in per_link.into_iter().enumerate() {
            if msgs.is_empty() {
                continue;
            }
            let link = links[k];
            let target = ctx.link_target(link);
            let j = self.add_job(Job {
                msgs,
                stage: Stage::Deliver { link, target },
                first: job.first,
                failed: 0,
                in_call: false,
            });
            self.call(j, ctx);
        }
    }

    /// Send job `i` as its call (transform or delivery).
    fn call(&mut self, i: usize, ctx: &mut Ctx) {
        let transform = self.transform;
        let Some(job) = self.jobs.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        if job.stage == Stage::Written || (job.stage == Stage::Transform && transform.is_none()) {
            return;
        }
        let msgs = std::mem::take(&mut job.msgs);
        job.in_call = true;
        match job.stage {
            Stage::Transform => {
                if let Some(t) = transform {
                    ctx.invoke_component(t, msgs, CallMode::Transform, i as u64);
                }
            }
            Stage::Deliver { link, .. } => {
                self.deliveries += 1;
                ctx.invoke(link, msgs, CallMode::Consume, i as u64);
            }
            Stage::Written => {}
        }
        self.set_busy(1, ctx);
    }

    fn give_up_job(&mut self, i: usize, reason: FailReason, ctx: &mut Ctx) {
        if let Some(job) = self.drop_job(i) {
            for id in job.msgs {
                ctx.give_up(id, reason);
            }
        }
    }
}

impl Behaviour for FirehoseB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let size = {
            let msg = ctx.msg(id);
            msg.arrived = now;
            msg.attempt = 0;
            msg.reason = FailReason::None;
            u64::from(msg.size)
        };
        let billed = size.div_ceil(INGEST_STEP).max(1) * INGEST_STEP;
        let meter = self.gb_ingested;
        let m = ctx.metrics();
        m.charge(meter, billed as f64 / BYTES_PER_GB);
        if self.buffer.is_empty() {
            self.generation += 1;
            ctx.schedule(self.interval, Tick::Flush(self.generation));
        }
        self.buffer.push(id);
        self.bytes += size;
        let depth = self.buffer.len() as u64;
        ctx.metrics().depth.set(now, depth);
        if self.bytes >= self.limit {
            self.flush(true, ctx);
        }
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Flush(generation)) if generation == self.generation => {
                self.flush(false, ctx);
            }
            Some(Tick::Written(job)) => self.fan_out(job, ctx),
            Some(Tick::Retry(job)) => {
                ctx.metrics().counters.retries += 1;
                self.call(job, ctx);
            }
            _ => {}
        }
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        let r = ctx.take_reply(call);
        let i = r.token as usize;
        let now = ctx.now();
        let Some(job) = self.jobs.get_mut(i).and_then(Option::as_mut) else {
            for id in r.returned {
                ctx.end_message(id, Outcome::Failed);
            }
            return;
        };
        job.in_call = false;
        job.msgs = r.returned;
        let stage = job.stage;
        self.set_busy(-1, ctx);
        let Some(job) = self.jobs.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        let reason = match r.status {
            CallStatus::Busy => {
                let target = match stage {
                    Stage::Deliver { target, .. } => Some(target),
                    Stage::Transform => self.transform,
                    Stage::Written => None,
                };
                if let Some(t) = target {
                    self.waiting.push(i);
                    ctx.wait_for(t);
                }
                return;
            }
            CallStatus::Ok | CallStatus::Pending => None,
            CallStatus::Throttled => Some(FailReason::Throttled),
            CallStatus::Failed(reason) => Some(reason),
        };
        match (stage, reason) {
            (Stage::Transform, None) => {
                // what came back is the transformed batch
                if let Some(job) = self.drop_job(i) {
                    self.write(job.msgs, job.first, ctx);
                }
            }
            (Stage::Deliver { .. }, _) if job.msgs.is_empty() => {
                let n = u64::from(r.processed);
                let m = ctx.metrics();
                m.counters.completions += n;
                self.drop_job(i);
            }
            (Stage::Transform, Some(reason)) => {
                job.failed += 1;
                let m = ctx.metrics();
                m.counters.failures += 1;
                m.bucket_error();
                if job.failed > TRANSFORM_RETRIES {
                    self.give_up_job(i, reason, ctx);
                } else {
                    ctx.schedule(retry_delay(job.failed), Tick::Retry(i));
                }
            }
            (Stage::Deliver { .. }, reason) => {
                let reason = reason.unwrap_or(FailReason::Error);
                job.failed += 1;
                let delay = retry_delay(job.failed);
                let m = ctx.metrics();
                m.counters.failures += 1;
                m.bucket_error();
                if now.saturating_add(delay) > job.first.saturating_add(self.retry_duration) {
                    self.give_up_job(i, reason, ctx);
                } else {
                    ctx.schedule(delay, Tick::Retry(i));
                }
            }
            (Stage::Written, _) => {}
        }
    }

    fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        let list = std::mem::take(&mut self.waiting);
        for i in list {
            let target = self
                .jobs
                .get(i)
                .and_then(Option::as_ref)
                .and_then(|j| match j.stage {
                    Stage::Deliver { target, .. } => Some(target),
                    Stage::Transform => self.transform,
                    Stage::Written => None,
                });
            if target == Some(from) {
                self.call(i, ctx);
            } else {
                self.waiting.push(i);
            }
        }
    }

    fn held(&self) -> u64 {
        let in_jobs: usize = self
            .jobs
            .iter()
            .flatten()
            .filter(|j| !j.in_call)
            .map(|j| j.msgs.len())
            .sum();
        (self.buffer.len() + in_jobs) as u64
    }

    fn warm_up_ended(&mut self, _now: SimTime) {
        self.by_size = 0;
        self.by_interval = 0;
        self.deliveries = 0;
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        vec![
            ("flushes_by_size".to_owned(), self.by_size as f64),
            ("flushes_by_interval".to_owned(), self.by_interval as f64),
            ("deliveries".to_owned(), self.deliveries as f64),
        ]
    }
}
