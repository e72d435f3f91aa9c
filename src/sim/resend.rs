//! Resending refused sends the way the AWS SDK retries a throttled or failed request,
//! shared by the kinds that send with an SDK: producers, and the handlers of Lambda
//! functions, container services and Step Functions.
//!
//! A refusal ([`Ctx::refuse`]) comes back to the sender's `on_bounce`; the sender hands
//! it to its [`SdkResender`], which waits a backoff of the retry policy and sends the
//! message again to the component that refused it (along the link to it, with the
//! link's latency), counting `retries`. When the attempts run out the message ends as
//! rejected (counted `failed` at the sender). The attempts of one hop are counted in
//! the message's `sends`, which `forward` resets.
//!
//! A kind that sends with an SDK does not handle any of this itself: its builder wraps
//! its behaviour in [`WithSdk`], which takes the bounces and the resend timers and
//! hands everything else to the kind.

use super::SimTime;
use super::engine::{Behaviour, CallId, Ctx, FailReason, Outcome};
use super::station::backoff_ns;
use super::timer::{Fired, RESEND_TAG, Timer, pack, unpack};
use super::{CompId, MsgId};
use crate::model::Retry;

/// The resender's one timer: send message `id` again to component `by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Resend {
    id: MsgId,
    by: CompId,
}

impl Timer for Resend {
    fn encode(self) -> (u32, u64) {
        (RESEND_TAG, pack(self.id, self.by.get()))
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        (tag == RESEND_TAG).then(|| {
            let (id, by) = unpack(data);
            Resend {
                id,
                by: CompId::new(by),
            }
        })
    }
}

/// SDK-style resending of refused sends: the retry policy and the messages waiting out
/// their backoff. Its timers use the shared tag [`RESEND_TAG`].
pub(crate) struct SdkResender {
    retry: Retry,
    waiting: u64,
}

impl SdkResender {
    /// Resend per `retry`.
    pub(crate) fn new(retry: Retry) -> Self {
        SdkResender { retry, waiting: 0 }
    }

    /// Messages waiting out a backoff before they are sent again.
    pub(crate) fn held(&self) -> u64 {
        self.waiting
    }

    /// Component `by` refused message `id` for `reason`: send it again after a backoff
    /// while attempts remain, else end it as rejected.
    pub(crate) fn bounced(&mut self, id: MsgId, reason: FailReason, by: CompId, ctx: &mut Ctx) {
        let attempt = ctx.msg(id).sends.saturating_add(1);
        ctx.msg(id).sends = attempt;
        ctx.msg(id).reason = reason;
        if u32::from(attempt) < self.retry.max_attempts {
            ctx.metrics().counters.retries += 1;
            let delay = backoff_ns(&self.retry, u32::from(attempt), ctx.rng());
            self.waiting += 1;
            ctx.schedule(delay, Resend { id, by });
        } else {
            let m = ctx.metrics();
            m.counters.failed += 1;
            m.bucket_error();
            ctx.end_message(id, Outcome::Rejected);
        }
    }

    /// A timer of the owning behaviour fired: if it is this resender's, send the message
    /// again and return true; otherwise return false.
    pub(crate) fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) -> bool {
        let Some(Resend { id, by }) = timer.get() else {
            return false;
        };
        self.waiting = self.waiting.saturating_sub(1);
        match ctx.link_to(by) {
            Some(l) => ctx.send_on(l, id),
            None => ctx.send_to(by, id),
        }
        true
    }
}

/// A behaviour whose sends go through an SDK: refusals of what it sends come back to the
/// [`SdkResender`], whose timers fire there first; every other event, and what the
/// component holds, is the wrapped behaviour's.
pub(crate) struct WithSdk<B> {
    inner: B,
    resend: SdkResender,
}

impl<B: Behaviour> WithSdk<B> {
    /// `inner`, its refused sends resent per `retry`.
    pub(crate) fn new(inner: B, retry: Retry) -> Self {
        WithSdk {
            inner,
            resend: SdkResender::new(retry),
        }
    }
}

impl<B: Behaviour> Behaviour for WithSdk<B> {
    fn start(&mut self, ctx: &mut Ctx) {
        self.inner.start(ctx);
    }

    fn on_deliver(&mut self, msg: MsgId, ctx: &mut Ctx) {
        self.inner.on_deliver(msg, ctx);
    }

    fn on_local(&mut self, timer: Fired, ctx: &mut Ctx) {
        if !self.resend.on_local(timer, ctx) {
            self.inner.on_local(timer, ctx);
        }
    }

    fn wants_bounces(&self) -> bool {
        true
    }

    fn on_bounce(&mut self, msg: MsgId, reason: FailReason, by: CompId, ctx: &mut Ctx) {
        self.resend.bounced(msg, reason, by, ctx);
    }

    fn on_invoke(&mut self, call: CallId, ctx: &mut Ctx) {
        self.inner.on_invoke(call, ctx);
    }

    fn on_reply(&mut self, call: CallId, ctx: &mut Ctx) {
        self.inner.on_reply(call, ctx);
    }

    fn on_wake(&mut self, from: CompId, ctx: &mut Ctx) {
        self.inner.on_wake(from, ctx);
    }

    fn held(&self) -> u64 {
        self.inner.held() + self.resend.held()
    }

    fn sources(&self) -> Vec<(CompId, u64)> {
        self.inner.sources()
    }

    fn extra(&self, now: SimTime) -> Vec<(String, f64)> {
        self.inner.extra(now)
    }

    fn warm_up_ended(&mut self, now: SimTime) {
        self.inner.warm_up_ended(now);
    }
}
