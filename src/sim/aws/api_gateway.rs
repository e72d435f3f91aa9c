//! Behaviour of ApiGateway: token bucket (429), the gateway's own latency, then a
//! synchronous call to the integration (the first matching delivery link) that the
//! gateway never retries; 502 for a failed integration, 504 for one that errs with a
//! timeout or answers later than the integration timeout.

use crate::model::aws::{ApiGateway, ApiType};
use crate::sim::CompId;
use crate::sim::build_env::{Build, BuildEnv, Built};
use crate::sim::engine::{Behaviour, CallId, CallMode, CallStatus, Ctx, FailReason, Outcome};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::sample::Sampler;
use crate::sim::station::TokenBucket;
use crate::sim::timer::{Fired, Timer, low};
use crate::sim::{MsgId, SimTime};

/// The gateway's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tick {
    /// The gateway's own latency is over: route the request.
    Route(MsgId),
    /// The integration of the request with this token has not answered in time.
    Timeout(u64),
}

impl Timer for Tick {
    fn encode(self) -> (u32, u64) {
        match self {
            Tick::Route(id) => (0, u64::from(id)),
            Tick::Timeout(token) => (1, token),
        }
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        match tag {
            0 => Some(Tick::Route(MsgId::new(low(data)))),
            1 => Some(Tick::Timeout(data)),
            _ => None,
        }
    }
}

/// HTTP APIs bill one request per started 512 KB of payload (the reference gives KB;
/// we read it as KiB).
const HTTP_SLICE: u64 = 512 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    /// Waiting for the integration.
    Waiting,
    /// Answered 504 to the client; the integration's reply is still to come.
    TimedOut,
}

/// A request waiting for its integration.
#[derive(Clone, Copy)]
struct Slot {
    generation: u32,
    state: SlotState,
    /// When the request reached the gateway (the message's own field belongs to the
    /// callee once the call is made).
    arrived: SimTime,
    invoked: SimTime,
    /// The client, so an integration throttle can be handed back to it as a 429.
    from: CompId,
}

/// Response counters by status code.
#[derive(Default)]
struct Statuses {
    s200: u64,
    s404: u64,
    s429: u64,
    s502: u64,
    s504: u64,
}

struct ApiGatewayB {
    bucket: TokenBucket,
    http: bool,
    timeout: SimTime,
    overhead: Sampler,
    meter: usize,
    in_overhead: u64,
    waiting: u64,
    slots: Vec<Slot>,
    free: Vec<u32>,
    status: Statuses,
}

impl ApiGatewayB {
    fn set_busy(&self, ctx: &mut Ctx) {
        let now = ctx.now();
        let level = self.in_overhead + self.waiting;
        ctx.metrics().busy.set(now, level);
    }

    fn alloc(&mut self, arrived: SimTime, invoked: SimTime, from: CompId) -> u64 {
        let i = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot {
                generation: 0,
                state: SlotState::Free,
                arrived: 0,
                invoked: 0,
                from: CompId::default(),
            });
            u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
        });
        let s = &mut self.slots[i as usize];
        s.state = SlotState::Waiting;
        s.arrived = arrived;
        s.invoked = invoked;
        s.from = from;
        u64::from(i) | (u64::from(s.generation) << 32)
    }

    fn release(&mut self, i: usize) {
        let s = &mut self.slots[i];
        s.state = SlotState::Free;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(u32::try_from(i).unwrap_or(u32::MAX));
    }

    /// The overhead is over: call the integration.
    fn route(&mut self, id: MsgId, ctx: &mut Ctx) {
        self.in_overhead -= 1;
        let now = ctx.now();
        if ctx.delivery_links().is_empty() {
            // no integration drawn: a mock integration answering 200 at once
            self.status.s200 += 1;
            let arrived = ctx.msg(id).arrived;
            let m = ctx.metrics();
            m.counters.completions += 1;
            m.bucket_completion();
            m.residence.record(now - arrived);
            ctx.deliver_here(id);
            self.set_busy(ctx);
            return;
        }
        let link = ctx
            .delivery_links()
            .iter()
            .copied()
            .find(|&l| ctx.link_matches(l, id));
        let Some(link) = link else {
            // no route matches the request: 404
            self.status.s404 += 1;
            let m = ctx.metrics();
            m.counters.filtered += 1;
            ctx.end_message(id, Outcome::Filtered);
            self.set_busy(ctx);
            return;
        };
        let (from, arrived) = (ctx.msg(id).from, ctx.msg(id).arrived);
        let token = self.alloc(arrived, now, from);
        self.waiting += 1;
        ctx.invoke(link, vec![id], CallMode::Consume, token);
        ctx.schedule(self.timeout, Tick::Timeout(token));
        self.set_busy(ctx);
    }

    /// The integration has not answered in time: 504 to the client now.
    fn time_out(&mut self, token: u64, ctx: &mut Ctx) {
        let i = (token & 0xffff_ffff) as usize;
        let generation = (token >> 32) as u32;
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        if s.generation != generation || s.state != SlotState::Waiting {
            return; // answered already
        }
        s.state = SlotState::TimedOut;
        let (arrived, invoked) = (s.arrived, s.invoked);
        self.waiting -= 1;
        self.status.s504 += 1;
        let now = ctx.now();
        let m = ctx.metrics();
        m.counters.failures += 1;
        m.counters.timeouts += 1;
        m.bucket_error();
        m.service.record(now - invoked);
        // the client waited the gateway's overhead plus the integration timeout
        m.residence.record(now - arrived);
        self.set_busy(ctx);
    }
}

impl Behaviour for ApiGatewayB {
    fn on_deliver(&mut self, id: MsgId, ctx: &mut Ctx) {
        let now = ctx.now();
        if !self.bucket.try_take(now) {
            self.status.s429 += 1;
            ctx.refuse(id, FailReason::Throttled);
            return;
        }
        let units = if self.http {
            u64::from(ctx.msg(id).size).div_ceil(HTTP_SLICE).max(1) as f64
        } else {
            1.0
        };
        ctx.metrics().charge(self.meter, units);
        let msg = ctx.msg(id);
        msg.arrived = now;
        msg.attempt = 0;
        msg.reason = FailReason::None;
        self.in_overhead += 1;
        let d = ctx.sample_ms_as_ns(&self.overhead);
        ctx.schedule(d, Tick::Route(id));
        self.set_busy(ctx);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        match timer.get() {
            Some(Tick::Route(id)) => self.route(id, ctx),
            Some(Tick::Timeout(token)) => self.time_out(token, ctx),
            None => {}
        }
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        let r = ctx.take_reply(call);
        let i = (r.token & 0xffff_ffff) as usize;
        let Some(slot) = self.slots.get(i).copied() else {
            for id in r.returned {
                ctx.end_message(id, Outcome::Failed);
            }
            return;
        };
        self.release(i);
        let now = ctx.now();
        if slot.state == SlotState::TimedOut {
            // the client has had its 504; what comes back now is lost
            for id in r.returned {
                ctx.metrics().counters.failed += 1;
                ctx.end_message(id, Outcome::Failed);
            }
            return;
        }
        self.waiting -= 1;
        self.set_busy(ctx);
        let m = ctx.metrics();
        m.service.record(now - slot.invoked);
        m.residence.record(now - slot.arrived);
        match r.status {
            CallStatus::Ok | CallStatus::Pending => {
                self.status.s200 += 1;
                m.counters.completions += 1;
                m.bucket_completion();
                // a callee that hands the request back with success: the answer is
                // the end of it
                for id in r.returned {
                    ctx.deliver_here(id);
                }
            }
            CallStatus::Throttled | CallStatus::Busy => {
                // a throttled integration (Lambda without concurrency) is a 429 the
                // client sees, and may retry like any other 429
                self.status.s429 += 1;
                for id in r.returned {
                    ctx.msg(id).from = slot.from;
                    ctx.refuse(id, FailReason::Throttled);
                }
            }
            CallStatus::Failed(reason) => {
                if reason == FailReason::Timeout {
                    self.status.s504 += 1;
                    m.counters.timeouts += 1;
                } else {
                    self.status.s502 += 1;
                }
                m.counters.failures += 1;
                m.bucket_error();
                for id in r.returned {
                    ctx.metrics().counters.failed += 1;
                    ctx.msg(id).reason = reason;
                    ctx.end_message(id, Outcome::Failed);
                }
            }
        }
    }

    fn held(&self) -> u64 {
        self.in_overhead
    }

    /// Responses count from the end of the warm-up, like the counters.
    fn warm_up_ended(&mut self, _now: SimTime) {
        self.status = Statuses::default();
    }

    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        let s = &self.status;
        let mut out = vec![
            ("status_200".to_owned(), s.s200 as f64),
            ("status_429".to_owned(), s.s429 as f64),
            ("status_502".to_owned(), s.s502 as f64),
            ("status_504".to_owned(), s.s504 as f64),
        ];
        if s.s404 > 0 {
            out.push(("status_404".to_owned(), s.s404 as f64));
        }
        out
    }
}

impl Build for ApiGateway {
    fn build(&self, env: &mut BuildEnv) -> Result<Built, String> {
        build(self, env)
    }
}

/// Build the behaviour.
fn build(p: &ApiGateway, env: &mut BuildEnv) -> Result<Built, String> {
    let _ = env;
    compile(p)
}

fn compile(p: &ApiGateway) -> Result<Built, String> {
    let overhead = Sampler::new(&p.overhead_ms).map_err(|e| format!("overhead_ms: {e}"))?;
    let mut metrics = ComponentMetrics::new(0);
    let http = p.api == ApiType::Http;
    let meter = metrics.add_meter(if http {
        "http_requests"
    } else {
        "rest_requests"
    });
    metrics.sojourn_is_residence = true;
    Ok(Built {
        behaviour: Box::new(ApiGatewayB {
            bucket: TokenBucket::new(p.throttle.rate_per_s, p.throttle.burst),
            http,
            timeout: p.integration_timeout.ns,
            overhead,
            meter,
            in_overhead: 0,
            waiting: 0,
            slots: Vec::new(),
            free: Vec::new(),
            status: Statuses::default(),
        }),
        metrics,
        routing: crate::model::Routing::FanOut,
    })
}

#[cfg(test)]
mod tests {
    //! A slow synchronous callee is not among the kinds of this module, so the
    //! timeout logic is tested with a mock integration that answers each call after a
    //! scripted delay with a scripted status.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::{NS_PER_MS, NS_PER_S, from_ron_str};
    use crate::sim::aws::testkit::{Nth, assemble, link, outputs, producer};

    /// Answers call number k after `script[k].0` ns with status `script[k].1`; keeps
    /// (and delivers) the message on success, hands it back otherwise.
    struct Mock {
        script: Vec<(SimTime, CallStatus)>,
        next: usize,
        waiting: Vec<(CallId, MsgId, CallStatus)>,
        pending: u64,
    }

    impl Behaviour for Mock {
        fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
            ctx.deliver_here(msg);
        }
        fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
            let msgs = ctx.take_call_messages(call);
            let (delay, status) = self.script[self.next];
            self.next += 1;
            self.waiting.push((call, msgs[0], status));
            self.pending += 1;
            ctx.schedule(delay, Nth(self.waiting.len() - 1));
        }
        fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
            let Some(Nth(k)) = timer.get() else { return };
            let (call, id, status) = self.waiting[k];
            self.pending -= 1;
            if status == CallStatus::Ok {
                ctx.reply(call, status, Vec::new(), 1);
                ctx.deliver_here(id);
            } else {
                ctx.reply(call, status, vec![id], 0);
            }
        }
        fn held(&self) -> u64 {
            self.pending
        }
    }

    #[test]
    fn integration_errors_and_timeouts_become_502_and_504() {
        let doc = from_ron_str(
            r#"(
            scenario: (duration: "100s"),
            components: [
                (id: "p", kind: Producer()),
                (id: "api", kind: ApiGateway(overhead_ms: Constant(0.0))),
                (id: "backend", kind: Sink()),
            ],
            connections: [(from: "p", to: "api"), (from: "api", to: "backend")],
        )"#,
        )
        .unwrap();
        let p = match &doc.components[1].kind {
            crate::model::ComponentKind::ApiGateway(p) => p.clone(),
            _ => unreachable!(),
        };
        let ms = NS_PER_MS;
        let script = vec![
            (100 * ms, CallStatus::Ok),                             // 200
            (100 * ms, CallStatus::Failed(FailReason::Error)),      // 502
            (100 * ms, CallStatus::Failed(FailReason::Timeout)),    // 504
            (40 * NS_PER_S, CallStatus::Ok), // 504 at 29 s; the callee still keeps it
            (40 * NS_PER_S, CallStatus::Failed(FailReason::Error)), // 504, then lost
        ];
        let built = compile(&p).unwrap();
        let mock = Mock {
            script,
            next: 0,
            waiting: Vec::new(),
            pending: 0,
        };
        let mut sim = assemble(
            &doc,
            vec![
                (
                    Box::new(producer(1.0, 5)),
                    ComponentMetrics::new(0),
                    outputs(vec![0], vec![]),
                ),
                (built.behaviour, built.metrics, outputs(vec![1], vec![])),
                (
                    Box::new(mock),
                    ComponentMetrics::new(0),
                    outputs(vec![], vec![]),
                ),
            ],
            vec![link(1), link(2)],
            100.0,
            Vec::new(),
        );
        sim.run();
        let r = sim.report();
        assert!(r.ledger.balanced, "{:?}", r.ledger);
        assert!(r.ledger.live_messages_accounted);
        let g = &r.components["api"];
        let st = |k: &str| g.extra[k];
        assert_eq!(
            (st("status_200"), st("status_502"), st("status_504")),
            (1.0, 1.0, 3.0)
        );
        assert_eq!(g.counters.timeouts, 3);
        // one response per request, the two timed-out ones at exactly 29 s
        let res = g.residence_ms.as_ref().unwrap();
        assert_eq!(res.count, 5);
        assert!((res.max - 29_000.0).abs() < 1e-6, "{}", res.max);
        let row = &r.ledger.producers["p"];
        // delivered: the 200 and the late success the callee kept; failed: the 502,
        // the 504 with a timeout error and the late failure
        assert_eq!((row.delivered, row.failed), (2, 3));
        assert_eq!(g.counters.failed, 3);
        assert_eq!(g.usage["rest_requests"].amount, 5.0);
    }
}
