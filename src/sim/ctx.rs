//! What a behaviour sees while it handles an event ([`Ctx`]: the clock, its random
//! stream and metrics, the messages, and ways to schedule, send, call and end them) and
//! what each component kind implements ([`Behaviour`]).

use rand::Rng;

use super::SimTime;
use super::calendar::EventKind;
use super::engine::{
    Call, CallMode, CallStatus, Core, EndToEnd, FailReason, Message, NO_KEY, Outcome, Reply,
};
use super::ids::{CallId, CompId, LinkId, MsgId};
use super::metrics::{ComponentMetrics, LatencyStat};
use super::sample::{Sampler, SimRng};
use super::timer::{Fired, Timer};
use crate::model::{Kind, Routing};

/// What a behaviour sees while it handles an event: the clock, its own random stream and
/// metrics, the messages, and ways to schedule, forward and end them.
pub struct Ctx<'a> {
    pub(super) core: &'a mut Core,
    pub(super) me: CompId,
}

impl Ctx<'_> {
    /// Current simulated time in ns.
    #[inline]
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// End of the run in ns.
    #[inline]
    #[must_use]
    pub fn end(&self) -> SimTime {
        self.core.end
    }

    /// Index of the component being run.
    #[inline]
    #[must_use]
    pub fn me(&self) -> CompId {
        self.me
    }

    /// This component's random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.core.rngs[self.me]
    }

    /// This component's metrics.
    #[inline]
    pub fn metrics(&mut self) -> &mut ComponentMetrics {
        &mut self.core.metrics[self.me]
    }

    /// Draw from a sampler with this component's stream.
    #[inline]
    pub fn sample_ms_as_ns(&mut self, s: &Sampler) -> SimTime {
        s.sample_ms_as_ns(&mut self.core.rngs[self.me])
    }

    /// A message.
    #[inline]
    pub fn msg(&mut self, id: MsgId) -> &mut Message {
        &mut self.core.slab.items[id]
    }

    /// Schedule a timer for this component `delay` ns from now.
    #[inline]
    pub fn schedule<T: Timer>(&mut self, delay: SimTime, timer: T) {
        let t = self.core.now.saturating_add(delay);
        let (tag, data) = timer.encode();
        self.core.push(t, self.me, EventKind::Local(tag, data));
    }

    /// Schedule a timer for this component at absolute time `at` (not before now).
    #[inline]
    pub fn schedule_at<T: Timer>(&mut self, at: SimTime, timer: T) {
        let t = at.max(self.core.now);
        let (tag, data) = timer.encode();
        self.core.push(t, self.me, EventKind::Local(tag, data));
    }

    /// Create a new message of event type drawn from `mix` (cumulative weights over
    /// event type indices) and count it as produced by this component.
    pub fn create(&mut self, mix: &[(u16, f64)]) -> MsgId {
        let me = self.me;
        let rng = &mut self.core.rngs[me];
        let etype = if mix.len() <= 1 {
            mix.first().map_or(0, |m| m.0)
        } else {
            let total = mix[mix.len() - 1].1;
            let u = rng.random::<f64>() * total;
            let i = mix.partition_point(|(_, c)| *c <= u).min(mix.len() - 1);
            mix[i].0
        };
        let et = &self.core.event_types[usize::from(etype)];
        let mut attrs = [0u8; 8];
        for (slot, (_, _, cum)) in et.attrs.iter().enumerate() {
            let total = cum[cum.len() - 1];
            let u = rng.random::<f64>() * total;
            attrs[slot] =
                u8::try_from(cum.partition_point(|c| *c <= u).min(cum.len() - 1)).unwrap_or(0);
        }
        let size = et.size.sample(rng).round().clamp(0.0, f64::from(u32::MAX)) as u32;
        let now = self.core.now;
        // the event's identity: its producer's stream and its number among the
        // producer's events (Weyl step, so each producer's identities are distinct)
        let serial = self.core.ledger[me].produced;
        let ident = self.core.stream_ids[me] ^ serial.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.core.ledger[me].produced += 1;
        self.core.slab.alloc(
            Message {
                created: now,
                origin: self.me,
                etype,
                attrs,
                size,
                attempt: 0,
                reason: FailReason::None,
                arrived: now,
                enqueued: now,
                started: now,
                from: self.me,
                key: NO_KEY,
                sends: 0,
            },
            0,
            ident,
        )
    }

    fn copy(&mut self, id: MsgId) -> MsgId {
        let m = self.core.slab.items[id];
        let hops = self.core.slab.hops[id];
        let ident = self.core.slab.idents[id];
        self.core.ledger[m.origin].copies += 1;
        self.core.slab.alloc(m, hops, ident)
    }

    /// The identity of a message's event: the same for every attempt, redelivery and
    /// copy of it (a fan-out copy, a duplicate delivery carry the same payload), and
    /// derived only from the producer's id and the event's number among its events.
    /// Unlike its [`MsgId`], a slot reused once the message ends, it does not depend on
    /// what other components do with their messages, so a fate drawn from it (a poison
    /// message) stays the same when an unrelated part of the design changes.
    #[inline]
    #[must_use]
    pub fn ident(&self, id: MsgId) -> u64 {
        self.core.slab.idents[id]
    }

    /// A copy of a message (a duplicate delivery, a fan-out copy), counted in the
    /// producer's ledger as an extra event.
    pub fn copy_message(&mut self, id: MsgId) -> MsgId {
        self.copy(id)
    }

    /// Delay drawn for one use of a link.
    fn link_delay(&mut self, link: LinkId) -> SimTime {
        match &self.core.links[link].latency {
            Some(s) => s.sample_ms_as_ns(&mut self.core.rngs[self.me]),
            None => 0,
        }
    }

    /// Send a message along one link (with the link's latency, if any).
    #[inline]
    fn send(&mut self, link: LinkId, id: MsgId) {
        self.core.link_sent[link] += 1;
        let target = self.core.links[link].target;
        if self.core.link_in_loop[link] {
            self.core.hop(id, self.me, target);
        }
        let delay = self.link_delay(link);
        self.core.slab.items[id].from = self.me;
        let t = self.core.now.saturating_add(delay);
        self.core.push(t, target, EventKind::Deliver(id));
    }

    /// Send a message along one particular link, whatever its filter says.
    pub fn send_on(&mut self, link: LinkId, id: MsgId) {
        self.send(link, id);
    }

    /// Send a message to a component directly, without a link (no latency).
    pub fn send_to(&mut self, target: CompId, id: MsgId) {
        if self.core.in_loop(self.me, target) {
            self.core.hop(id, self.me, target);
        }
        self.core.slab.items[id].from = self.me;
        let now = self.core.now;
        self.core.push(now, target, EventKind::Deliver(id));
    }

    /// This component's delivery links, in document order.
    #[must_use]
    pub fn delivery_links(&self) -> &[LinkId] {
        &self.core.outputs[self.me].delivery
    }

    /// This component's dead-letter and on-failure links.
    #[must_use]
    pub fn failure_links(&self) -> &[LinkId] {
        &self.core.outputs[self.me].failure
    }

    /// This component's first delivery link to `target`, if any.
    #[must_use]
    pub fn link_to(&self, target: CompId) -> Option<LinkId> {
        self.core.outputs[self.me]
            .delivery
            .iter()
            .copied()
            .find(|&l| self.core.links[l].target == target)
    }

    /// The component a link leads to.
    #[must_use]
    pub fn link_target(&self, link: LinkId) -> CompId {
        self.core.links[link].target
    }

    /// Whether a link's filter accepts a message.
    #[must_use]
    pub fn link_matches(&self, link: LinkId, id: MsgId) -> bool {
        self.core.links[link].matches(&self.core.slab.items[id])
    }

    /// Kind of a component (for behaviours that adapt to their neighbours).
    #[must_use]
    pub fn kind_of(&self, component: CompId) -> Kind {
        self.core.kinds[component]
    }

    /// Current (queue depth, busy) levels of another component, as its metrics show
    /// them; what an autoscaler polling a queue's metrics sees.
    #[must_use]
    pub fn level_of(&self, component: CompId) -> (u64, u64) {
        let m = &self.core.metrics[component];
        (m.depth.level(), m.busy.level())
    }

    /// Refuse a message that was just delivered (throttled, full): count it as rejected
    /// here, then hand it back to the sender when the sender retries refusals (or to the
    /// caller of the call being delivered), otherwise end it as rejected.
    pub fn refuse(&mut self, id: MsgId, reason: FailReason) {
        let me = self.me;
        let m = &mut self.core.metrics[me];
        m.counters.rejected += 1;
        m.bucket_error();
        if let Some(c) = self.core.current_call {
            let call = &mut self.core.calls[c];
            call.msgs.push(id);
            call.status = if reason == FailReason::Throttled {
                CallStatus::Throttled
            } else {
                CallStatus::Failed(reason)
            };
            return;
        }
        let from = self.core.slab.items[id].from;
        if from != self.me && self.core.wants_bounces.get(from.index()) == Some(&true) {
            let now = self.core.now;
            self.core
                .push(now, from, EventKind::Bounce(id, reason, self.me));
        } else {
            self.core.terminate(id, Outcome::Rejected);
        }
    }

    fn new_call(&mut self, msgs: Vec<MsgId>, mode: CallMode, token: u64) -> CallId {
        let call = Call {
            caller: self.me,
            token,
            mode,
            msgs,
            status: CallStatus::Pending,
            processed: 0,
            live: true,
        };
        if let Some(c) = self.core.free_calls.pop() {
            self.core.calls[c] = call;
            c
        } else {
            self.core.calls.push(call);
            CallId::at(self.core.calls.len() - 1)
        }
    }

    /// Call the target of `link` synchronously with a batch of messages (after the
    /// link's latency). The callee answers with [`Ctx::reply`]; the answer arrives as
    /// [`Behaviour::on_reply`]. The messages belong to the call until then.
    pub fn invoke(&mut self, link: LinkId, msgs: Vec<MsgId>, mode: CallMode, token: u64) -> CallId {
        self.core.link_sent[link] += msgs.len() as u64;
        let target = self.core.links[link].target;
        let delay = self.link_delay(link);
        let in_loop = self.core.link_in_loop[link];
        for &id in &msgs {
            self.core.slab.items[id].from = self.me;
            if in_loop {
                self.core.hop(id, self.me, target);
            }
        }
        let c = self.new_call(msgs, mode, token);
        let t = self.core.now.saturating_add(delay);
        self.core.push(t, target, EventKind::Invoke(c));
        c
    }

    /// Call a component synchronously without a link (no latency), as [`Ctx::invoke`].
    pub fn invoke_component(
        &mut self,
        target: CompId,
        msgs: Vec<MsgId>,
        mode: CallMode,
        token: u64,
    ) -> CallId {
        let in_loop = self.core.in_loop(self.me, target);
        for &id in &msgs {
            self.core.slab.items[id].from = self.me;
            if in_loop {
                self.core.hop(id, self.me, target);
            }
        }
        let c = self.new_call(msgs, mode, token);
        let now = self.core.now;
        self.core.push(now, target, EventKind::Invoke(c));
        c
    }

    /// Mode of a call this component received.
    #[must_use]
    pub fn call_mode(&self, call: CallId) -> CallMode {
        self.core.calls[call].mode
    }

    /// Take the messages of a call this component received; from now on they are the
    /// callee's until it hands some back in [`Ctx::reply`].
    pub fn take_call_messages(&mut self, call: CallId) -> Vec<MsgId> {
        std::mem::take(&mut self.core.calls[call].msgs)
    }

    /// Answer a call: `returned` messages go back to the caller; `processed` says how
    /// many the callee kept and processed.
    pub fn reply(
        &mut self,
        call: CallId,
        status: CallStatus,
        returned: Vec<MsgId>,
        processed: u32,
    ) {
        let c = &mut self.core.calls[call];
        c.msgs.extend(returned);
        c.status = status;
        c.processed = processed;
        let caller = c.caller;
        let now = self.core.now;
        self.core.push(now, caller, EventKind::Reply(call));
    }

    /// Read and free the answer to a call this component made.
    pub fn take_reply(&mut self, call: CallId) -> Reply {
        let c = &mut self.core.calls[call];
        let reply = Reply {
            status: c.status,
            token: c.token,
            returned: std::mem::take(&mut c.msgs),
            processed: c.processed,
        };
        c.live = false;
        self.core.free_calls.push(call);
        reply
    }

    /// Take one slot of a shared pool (e.g. the account's Lambda concurrency) if one
    /// is free.
    pub fn pool_try_acquire(&mut self, pool: u32) -> bool {
        let p = &mut self.core.pools[pool as usize];
        if p.1 < p.0 {
            p.1 += 1;
            true
        } else {
            false
        }
    }

    /// Give back a slot of a shared pool.
    pub fn pool_release(&mut self, pool: u32) {
        let p = &mut self.core.pools[pool as usize];
        p.1 = p.1.saturating_sub(1);
    }

    /// (limit, in use) of a shared pool.
    #[must_use]
    pub fn pool_state(&self, pool: u32) -> (u64, u64) {
        self.core.pools[pool as usize]
    }

    /// Ask to be woken ([`Behaviour::on_wake`]) when `target` next frees a slot.
    pub fn wait_for(&mut self, target: CompId) {
        let w = &mut self.core.waiters[target];
        if !w.contains(&self.me) {
            w.push(self.me);
        }
    }

    /// Wake every component waiting for this one (call when a slot frees).
    pub fn wake_waiters(&mut self) {
        let me = self.me;
        if self.core.waiters[me].is_empty() {
            return;
        }
        let list = std::mem::take(&mut self.core.waiters[me]);
        let now = self.core.now;
        for w in &list {
            self.core.push(now, *w, EventKind::Wake(self.me));
        }
        let mut list = list;
        list.clear();
        self.core.waiters[me] = list;
    }

    /// Pass a finished message on along the matching delivery links (fan-out copies or
    /// weighted split). With no delivery links at all the component is terminal and the
    /// message is delivered; with links but none matching it is filtered.
    pub fn forward(&mut self, id: MsgId) {
        let me = self.me;
        let out = &self.core.outputs[me];
        if out.delivery.is_empty() {
            self.deliver_here(id);
            return;
        }
        self.core.slab.items[id].sends = 0;
        let m = self.core.slab.items[id];
        let mut chosen = std::mem::take(&mut self.core.scratch);
        chosen.clear();
        chosen.extend(
            out.delivery
                .iter()
                .copied()
                .filter(|&l| self.core.links[l].matches(&m)),
        );
        match chosen.len() {
            0 => {
                self.core.metrics[me].counters.filtered += 1;
                self.core.terminate(id, Outcome::Filtered);
            }
            1 => self.send(chosen[0], id),
            _ => match self.core.outputs[me].routing {
                Routing::FanOut => {
                    for &l in &chosen[1..] {
                        let c = self.copy(id);
                        self.send(l, c);
                    }
                    self.send(chosen[0], id);
                }
                Routing::Split => {
                    let total: f64 = chosen.iter().map(|&l| self.core.links[l].weight).sum();
                    let mut u = self.core.rngs[me].random::<f64>() * total;
                    let mut pick = chosen[chosen.len() - 1];
                    for &l in &chosen {
                        u -= self.core.links[l].weight;
                        if u < 0.0 {
                            pick = l;
                            break;
                        }
                    }
                    self.send(pick, id);
                }
            },
        }
        self.core.scratch = chosen;
    }

    /// The message has reached a terminal consumer (this component): record its
    /// end-to-end latency and end it.
    pub fn deliver_here(&mut self, id: MsgId) {
        let m = self.core.slab.items[id];
        let lat = self.core.now.saturating_sub(m.created);
        let list = &mut self.core.e2e[self.me];
        if let Some(e) = list.iter_mut().find(|e| e.origin == m.origin) {
            e.stat.record(lat);
        } else {
            let mut stat = LatencyStat::new();
            stat.record(lat);
            list.push(EndToEnd {
                origin: m.origin,
                stat,
            });
        }
        self.core.terminate(id, Outcome::Delivered);
    }

    /// Whether this component has dead-letter or on-failure links.
    #[must_use]
    pub fn has_failure_links(&self) -> bool {
        !self.core.outputs[self.me].failure.is_empty()
    }

    /// Give up on a message: send it (with `reason`) to the dead-letter / on-failure
    /// links, or end it as failed when there are none.
    pub fn give_up(&mut self, id: MsgId, reason: FailReason) {
        let me = self.me;
        self.core.slab.items[id].reason = reason;
        let links = std::mem::take(&mut self.core.outputs[me].failure);
        if links.is_empty() {
            self.core.metrics[me].counters.failed += 1;
            self.core.terminate(id, Outcome::Failed);
        } else {
            self.core.metrics[me].counters.dead_lettered += 1;
            for &l in &links[1..] {
                let c = self.copy(id);
                self.send(l, c);
            }
            self.send(links[0], id);
        }
        self.core.outputs[me].failure = links;
    }

    /// End a message with the given outcome.
    pub fn end_message(&mut self, id: MsgId, outcome: Outcome) {
        self.core.terminate(id, outcome);
    }
}

/// The behaviour of one component kind. The engine calls it for each event addressed to
/// the component; it acts only through the [`Ctx`].
///
/// Messages move in two ways. A *delivery* ([`Behaviour::on_deliver`]) hands one message
/// over for good; the receiver may [`Ctx::refuse`] it at once (a throttle), and the
/// refusal returns to the sender's [`Behaviour::on_bounce`] when the sender
/// [`Behaviour::wants_bounces`]. A *call* ([`Behaviour::on_invoke`]) hands a batch over
/// synchronously; the callee answers with [`Ctx::reply`] and the caller reads the answer
/// in [`Behaviour::on_reply`] (API Gateway -> Lambda, SQS poller -> consumer).
pub trait Behaviour: Send {
    /// Called once at time zero.
    fn start(&mut self, _ctx: &mut Ctx) {}
    /// A message arrives.
    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx);
    /// One of this component's timers fires; read it with [`Fired::get`].
    fn on_local(&mut self, _timer: Fired, _ctx: &mut Ctx) {}
    /// Whether refusals of what this component sends come back to it.
    fn wants_bounces(&self) -> bool {
        false
    }
    /// A message this component sent was refused by component `by` (only when it wants
    /// bounces).
    fn on_bounce(&mut self, msg: MsgId, _reason: FailReason, _by: CompId, ctx: &mut Ctx) {
        ctx.end_message(msg, Outcome::Rejected);
    }
    /// A synchronous call arrives. The default delivers each message as
    /// [`Behaviour::on_deliver`] and answers at once: `Ok`, or `Throttled` with the
    /// refused messages handed back.
    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        let msgs = ctx.take_call_messages(call);
        let n = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
        ctx.core.current_call = Some(call);
        ctx.core.calls[call].status = CallStatus::Ok;
        for id in msgs {
            self.on_deliver(id, ctx);
        }
        ctx.core.current_call = None;
        let c = &ctx.core.calls[call];
        let refused = u32::try_from(c.msgs.len()).unwrap_or(0);
        let status = c.status;
        ctx.reply(call, status, Vec::new(), n - refused);
    }
    /// The answer to a call this component made arrives; read it with
    /// [`Ctx::take_reply`].
    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        // Nobody should call without handling replies; end what comes back.
        let r = ctx.take_reply(call);
        for id in r.returned {
            ctx.end_message(id, Outcome::Failed);
        }
    }
    /// A component this one waits for ([`Ctx::wait_for`]) has a free slot.
    fn on_wake(&mut self, _from: CompId, _ctx: &mut Ctx) {}
    /// Messages the component holds right now (queued, in service, waiting to retry).
    fn held(&self) -> u64 {
        0
    }
    /// Messages received by component index, for kinds that report where things came
    /// from (dead-letter queues); names are filled in by the report.
    fn sources(&self) -> Vec<(CompId, u64)> {
        Vec::new()
    }
    /// Kind-specific figures for the report at time `now`, e.g. dead letters by reason.
    /// Counts cover the same window as the counters: implement
    /// [`Behaviour::warm_up_ended`] to restart them when the warm-up ends.
    fn extra(&self, _now: SimTime) -> Vec<(String, f64)> {
        Vec::new()
    }
    /// The warm-up ends at `now`: the engine has just discarded the counters and
    /// statistics gathered so far; a behaviour whose [`Behaviour::extra`] figures are
    /// counts restarts them here (levels such as a maximum restart from the current
    /// state). Called once, before any event at or after `now`; never when there is no
    /// warm-up.
    fn warm_up_ended(&mut self, _now: SimTime) {}
}
