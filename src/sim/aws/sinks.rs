//! Behaviour of ServiceSink: S3 buckets, SES, CloudWatch Logs log groups and analytics
//! stores. A write is throttled, fails or is accepted; an accepted write takes its latency
//! and is stored (an S3 bucket with event notifications sends the object on).

use rand::Rng;

use crate::model::Dist;
use crate::model::aws::ServiceSink;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::sample::Sampler;
use crate::sim::station::TokenBucket;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{MsgId, SimTime};

/// The sink's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// A delivered message's write completes.
    Stored(MsgId),
    /// A batch call's object is written (its pending slot).
    BatchStored(u32),
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Stored(id) => (0, u64::from(id)),
            Tick::BatchStored(slot) => (1, u64::from(slot)),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        match tag {
            0 => Some(Tick::Stored(MsgId::new(low(data)))),
            1 => Some(Tick::BatchStored(low(data))),
            _ => None,
        }
    }
}

/// Bytes per GB as CloudWatch Logs and Athena bill them (2^30).
const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// Which service, for the meter and the notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    S3,
    Ses,
    Logs,
    Analytics,
}

/// The sink.
pub struct ServiceSinkB {
    kind: Kind,
    latency: Sampler,
    zero_latency: bool,
    fail_prob: f64,
    throttle: Option<TokenBucket>,
    meter: usize,
    /// Delivered messages whose write is in progress.
    writing: u64,
    /// Batch calls whose object is being written.
    pending: Vec<Option<(CallId, Vec<MsgId>)>>,
    free: Vec<u32>,
    pending_msgs: u64,
    objects: u64,
    bytes: u64,
}

impl ServiceSinkB {
    /// Usage of writing `n` messages of `bytes` in all as one request.
    fn charge(&self, n: u64, bytes: u64, ctx: &mut Ctx) {
        let amount = match self.kind {
            Kind::S3 => 1.0,
            Kind::Ses => n as f64,
            Kind::Logs | Kind::Analytics => bytes as f64 / BYTES_PER_GB,
        };
        let i = self.meter;
        ctx.metrics().charge(i, amount);
    }

    fn set_busy(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        let level = self.writing + self.pending_msgs;
        ctx.metrics().busy.set(now, level);
    }

    /// Count a stored message.
    fn stored(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let msg = *ctx.msg(id);
        self.bytes += u64::from(msg.size);
        let m = ctx.metrics();
        m.counters.completions += 1;
        m.residence.record(now - msg.arrived);
        m.bucket_completion();
    }

    /// Whether the write is refused (throttled or failed); counts it if so.
    fn refused(&mut self, ctx: &mut Ctx) -> Option<FailReason> {
        let now = ctx.now();
        if let Some(tb) = &mut self.throttle
            && !tb.try_take(now)
        {
            return Some(FailReason::Throttled);
        }
        if self.fail_prob > 0.0 && ctx.rng().random::<f64>() < self.fail_prob {
            ctx.metrics().counters.failures += 1;
            return Some(FailReason::Error);
        }
        None
    }

    fn finish_batch(&mut self, call: CallId, msgs: Vec<MsgId>, ctx: &mut Ctx) {
        self.objects += 1;
        let n = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
        // one object, so one event notification, not one per record
        let note = if self.kind == Kind::S3 && !ctx.delivery_links().is_empty() {
            msgs.first().map(|&id| ctx.copy_message(id))
        } else {
            None
        };
        for &id in &msgs {
            self.stored(id, ctx);
            ctx.deliver_here(id);
        }
        if let Some(c) = note {
            ctx.forward(c);
        }
        ctx.reply(call, CallStatus::Ok, Vec::new(), n);
    }
}

impl Behaviour for ServiceSinkB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        ctx.msg(id).arrived = now;
        if let Some(reason) = self.refused(ctx) {
            ctx.refuse(id, reason);
            return;
        }
        let size = u64::from(ctx.msg(id).size);
        self.charge(1, size, ctx);
        if self.zero_latency {
            self.objects += 1;
            self.stored(id, ctx);
            ctx.forward(id);
        } else {
            self.writing += 1;
            self.set_busy(ctx);
            let d = ctx.sample_ms_as_ns(&self.latency);
            ctx.schedule(d, Tick::Stored(id));
        }
    }

    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        let msgs = ctx.take_call_messages(call);
        if msgs.is_empty() {
            ctx.reply(call, CallStatus::Ok, msgs, 0);
            return;
        }
        let now = ctx.now();
        let n = msgs.len() as u64;
        let mut bytes = 0u64;
        for &id in &msgs {
            let msg = ctx.msg(id);
            msg.arrived = now;
            bytes += u64::from(msg.size);
        }
        if let Some(reason) = self.refused(ctx) {
            let m = ctx.metrics();
            m.counters.rejected += n;
            m.bucket_error();
            let status = if reason == FailReason::Throttled {
                CallStatus::Throttled
            } else {
                CallStatus::Failed(reason)
            };
            ctx.reply(call, status, msgs, 0);
            return;
        }
        if ctx.call_mode(call) == CallMode::Transform {
            // a sink transforms nothing: hand the records back untouched
            let k = u32::try_from(n).unwrap_or(u32::MAX);
            ctx.reply(call, CallStatus::Ok, msgs, k);
            return;
        }
        self.charge(n, bytes, ctx);
        if self.zero_latency {
            self.finish_batch(call, msgs, ctx);
            return;
        }
        self.pending_msgs += n;
        self.set_busy(ctx);
        let slot = if let Some(s) = self.free.pop() {
            self.pending[s as usize] = Some((call, msgs));
            s
        } else {
            self.pending.push(Some((call, msgs)));
            u32::try_from(self.pending.len() - 1).unwrap_or(u32::MAX)
        };
        let d = ctx.sample_ms_as_ns(&self.latency);
        ctx.schedule(d, Tick::BatchStored(slot));
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Stored(id)) => {
                self.writing -= 1;
                self.set_busy(ctx);
                self.objects += 1;
                self.stored(id, ctx);
                ctx.forward(id);
            }
            Some(Tick::BatchStored(slot)) => {
                let Some((call, msgs)) = self.pending.get_mut(slot as usize).and_then(Option::take)
                else {
                    return;
                };
                self.free.push(slot);
                self.pending_msgs -= msgs.len() as u64;
                self.set_busy(ctx);
                self.finish_batch(call, msgs, ctx);
            }
            None => {}
        }
    }

    fn held(&self) -> u64 {
        self.writing + self.pending_msgs
    }

    /// `bytes_stored` and `objects` count what was written after the warm-up.
    fn warm_up_ended(&mut self, _now: SimTime) {
        self.objects = 0;
        self.bytes = 0;
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let mut out = vec![("bytes_stored".to_owned(), self.bytes as f64)];
        if self.kind == Kind::S3 {
            out.push(("objects".to_owned(), self.objects as f64));
        }
        out
    }
}

/// A service sink of the kind being built (`S3Bucket`, `Ses`, `LogGroup`, `Analytics`).
impl Build for ServiceSink {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        let (behaviour, metrics) = compile(self, env.kind)?;
        Ok(Built {
            behaviour: Box::new(behaviour),
            metrics,
            routing: crate::model::Routing::FanOut,
        })
    }
}

/// The behaviour and its metrics.
fn compile(
    p: &ServiceSink,
    kind: crate::model::Kind,
) -> Result<(ServiceSinkB, ComponentMetrics), String> {
    let latency = Sampler::new(&p.latency_ms).map_err(|e| format!("latency_ms: {e}"))?;
    let (kind, meter) = match kind {
        crate::model::Kind::S3Bucket => (Kind::S3, "put_requests"),
        crate::model::Kind::Ses => (Kind::Ses, "emails"),
        crate::model::Kind::LogGroup => (Kind::Logs, "gb_ingested"),
        crate::model::Kind::Analytics => (Kind::Analytics, "gb_scanned"),
        other => return Err(format!("`{other}` is not a service sink kind")),
    };
    let mut m = ComponentMetrics::new(0);
    m.sojourn_is_residence = true;
    let meter = m.add_meter(meter);
    let b = ServiceSinkB {
        kind,
        latency,
        zero_latency: p.latency_ms == Dist::Constant(0.0),
        fail_prob: p.fail_prob,
        throttle: p
            .rate_limit
            .as_ref()
            .map(|t| TokenBucket::new(t.rate_per_s, t.burst)),
        meter,
        writing: 0,
        pending: Vec::new(),
        free: Vec::new(),
        pending_msgs: 0,
        objects: 0,
        bytes: 0,
    };
    Ok((b, m))
}

#[cfg(test)]
mod tests {
    //! Batch writes come from Firehose; a test caller stands in for it here.
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::model::{Component, ComponentKind, Document, Producer, Sink, Throttle};
    use crate::sim::LinkId;
    use crate::sim::aws::testkit::link;
    use crate::sim::basic::SinkB;
    use crate::sim::engine::{EventTypeRt, Outcome, Outputs, Simulation};

    /// Sends `batches` batches of `size` messages, one every second from 1 s; ends what
    /// comes back as failed and keeps the statuses.
    struct Flusher {
        batches: u64,
        size: usize,
        statuses: Arc<Mutex<Vec<(CallStatus, usize, u32)>>>,
    }

    impl Behaviour for Flusher {
        fn start(&mut self, ctx: &mut Ctx) {
            for i in 1..=self.batches {
                ctx.schedule(i * 1_000_000_000, crate::sim::aws::testkit::Nth(0));
            }
        }
        fn on_local(&mut self, _timer: Fired, ctx: &mut Ctx) {
            let msgs: Vec<MsgId> = (0..self.size).map(|_| ctx.create(&[(0, 1.0)])).collect();
            ctx.invoke(LinkId::new(0), msgs, CallMode::Consume, 0);
        }
        fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
            ctx.end_message(msg, Outcome::Failed);
        }
        fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
            let r = ctx.take_reply(call);
            self.statuses
                .lock()
                .unwrap()
                .push((r.status, r.returned.len(), r.processed));
            for id in r.returned {
                ctx.end_message(id, Outcome::Failed);
            }
        }
    }

    /// Flusher -> S3 bucket -> (notification) -> sink.
    fn run(p: &ServiceSink, batches: u64) -> (Vec<(CallStatus, usize, u32)>, crate::sim::Report) {
        let comp = |id: &str, kind| Component {
            id: id.into(),
            name: String::new(),
            kind,
        };
        let mut doc = Document {
            components: vec![
                comp("firehose", ComponentKind::Producer(Producer::default())),
                comp("bucket", ComponentKind::S3Bucket(p.clone())),
                comp("handler", ComponentKind::Sink(Sink::default())),
            ],
            ..Document::default()
        };
        doc.scenario.duration = crate::model::Duration::from_secs(batches + 1);
        let statuses = Arc::new(Mutex::new(Vec::new()));
        let flusher = Flusher {
            batches,
            size: 10,
            statuses: Arc::clone(&statuses),
        };
        let (b, m) = compile(p, crate::model::Kind::S3Bucket).unwrap();
        let mut outputs = vec![Outputs::default(), Outputs::default(), Outputs::default()];
        outputs[0].delivery.push(LinkId::new(0));
        outputs[1].delivery.push(LinkId::new(1));
        let mut sim = Simulation::assemble(
            &doc,
            3,
            vec![Box::new(flusher), Box::new(b), Box::new(SinkB)],
            vec![ComponentMetrics::new(0), m, ComponentMetrics::new(0)],
            outputs,
            vec![link(1), link(2)],
            vec![EventTypeRt {
                size: Sampler::Constant(500.0),
                attrs: Vec::new(),
            }],
            Vec::new(),
        );
        sim.run();
        let r = sim.report();
        assert!(r.ledger.balanced, "{:?}", r.ledger);
        drop(sim);
        let s = Arc::try_unwrap(statuses).unwrap().into_inner().unwrap();
        (s, r)
    }

    #[test]
    fn a_batch_call_is_one_object_one_put_and_one_notification() {
        let p = ServiceSink {
            latency_ms: Dist::Constant(20.0),
            ..ServiceSink::default()
        };
        let (statuses, r) = run(&p, 30);
        assert_eq!(statuses.len(), 30);
        assert!(statuses.iter().all(|s| *s == (CallStatus::Ok, 0, 10)));
        let b = &r.components["bucket"];
        assert_eq!(b.usage["put_requests"].amount, 30.0);
        assert_eq!(b.extra["objects"], 30.0);
        assert_eq!(b.extra["bytes_stored"], 30.0 * 10.0 * 500.0);
        assert_eq!(b.counters.completions, 300);
        // one notification per object, a copy of its first record
        assert_eq!(r.components["handler"].counters.arrivals, 30);
        let row = &r.ledger.producers["firehose"];
        assert_eq!((row.produced, row.copies, row.delivered), (300, 30, 330));
    }

    #[test]
    fn a_throttled_or_failed_batch_comes_back_whole() {
        // 1 PUT/s with a burst of 1: a batch every second fits; then 0.5/s refuses every
        // other batch (the bucket refills half a token per second)
        let mut p = ServiceSink {
            rate_limit: Some(Throttle {
                rate_per_s: 0.5,
                burst: 1.0,
            }),
            ..ServiceSink::default()
        };
        let (statuses, r) = run(&p, 20);
        let throttled = statuses
            .iter()
            .filter(|s| **s == (CallStatus::Throttled, 10, 0))
            .count();
        let ok = statuses
            .iter()
            .filter(|s| **s == (CallStatus::Ok, 0, 10))
            .count();
        assert_eq!((ok, throttled), (10, 10), "{statuses:?}");
        assert_eq!(r.components["bucket"].usage["put_requests"].amount, 10.0);
        assert_eq!(r.components["bucket"].counters.rejected, 100);

        p.rate_limit = None;
        p.fail_prob = 1.0;
        let (statuses, r) = run(&p, 5);
        assert!(
            statuses
                .iter()
                .all(|s| *s == (CallStatus::Failed(FailReason::Error), 10, 0))
        );
        assert_eq!(r.components["bucket"].usage["put_requests"].amount, 0.0);
    }
}
