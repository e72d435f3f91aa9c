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

use super::MsgId;
use super::engine::{Ctx, FailReason, Outcome};
use super::station::backoff_ns;
use crate::model::Retry;

/// SDK-style resending of refused sends: the retry policy, the timer tag it uses and
/// the messages waiting out their backoff.
pub(crate) struct SdkResender {
    retry: Retry,
    tag: u32,
    waiting: u64,
}

impl SdkResender {
    /// Resend per `retry`, using timer tag `tag` of the owning behaviour (which must not
    /// use it for anything else).
    pub(crate) fn new(retry: Retry, tag: u32) -> Self {
        SdkResender {
            retry,
            tag,
            waiting: 0,
        }
    }

    /// Messages waiting out a backoff before they are sent again.
    pub(crate) fn held(&self) -> u64 {
        self.waiting
    }

    /// Component `by` refused message `id` for `reason`: send it again after a backoff
    /// while attempts remain, else end it as rejected.
    pub(crate) fn bounced(&mut self, id: MsgId, reason: FailReason, by: u32, ctx: &mut Ctx) {
        let attempt = ctx.msg(id).sends.saturating_add(1);
        ctx.msg(id).sends = attempt;
        ctx.msg(id).reason = reason;
        if u32::from(attempt) < self.retry.max_attempts {
            ctx.metrics().counters.retries += 1;
            let delay = backoff_ns(&self.retry, u32::from(attempt), ctx.rng());
            self.waiting += 1;
            ctx.schedule(delay, self.tag, u64::from(id) | (u64::from(by) << 32));
        } else {
            let m = ctx.metrics();
            m.counters.failed += 1;
            m.bucket_error();
            ctx.end_message(id, Outcome::Rejected);
        }
    }

    /// A timer of the owning behaviour fired: if it is this resender's (`tag`), send the
    /// message again and return true; otherwise return false.
    pub(crate) fn on_local(&mut self, tag: u32, data: u64, ctx: &mut Ctx) -> bool {
        if tag != self.tag {
            return false;
        }
        self.waiting = self.waiting.saturating_sub(1);
        let id = (data & 0xffff_ffff) as MsgId;
        let by = (data >> 32) as u32;
        match ctx.link_to(by) {
            Some(l) => ctx.send_on(l, id),
            None => ctx.send_to(by, id),
        }
        true
    }
}
