//! The calendar: events ordered by (time, sequence number), each packed in 32 bytes.
//! Events due now wait in a FIFO, later ones in a binary heap.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::SimTime;
use super::engine::FailReason;
use super::ids::{CallId, CompId, MsgId};

/// What a calendar entry does.
#[derive(Clone, Copy, Debug)]
pub enum EventKind {
    /// Hand a message to the target component.
    Deliver(MsgId),
    /// A message the target sent comes back refused, with the reason and the index of
    /// the component that refused it.
    Bounce(MsgId, FailReason, CompId),
    /// A synchronous call reaches its callee.
    Invoke(CallId),
    /// The answer to a call reaches its caller.
    Reply(CallId),
    /// A component the target waits for has a free slot (payload: its index).
    Wake(CompId),
    /// A component's own timer, with a tag and a payload of its choosing.
    Local(u32, u64),
}

/// A calendar entry: 32 bytes, ordered by (time, seq).
#[derive(Clone, Copy, Debug)]
pub(super) struct Event {
    time: SimTime,
    seq: u64,
    pub(super) target: CompId,
    /// [`DELIVER`] for a message delivery, otherwise the component's timer tag.
    tag: u32,
    /// The message id for a delivery, otherwise the timer's payload.
    data: u64,
}

/// Tag of delivery events (timer tags chosen by behaviours must be below [`BOUNCE`]).
const DELIVER: u32 = u32::MAX;
/// Tag of refused messages returning to their sender
/// (`data` = id | reason << 32 | refuser << 40).
const BOUNCE: u32 = u32::MAX - 1;
/// Tag of call invocations (`data` = call id).
const INVOKE: u32 = u32::MAX - 2;
/// Tag of call replies (`data` = call id).
const REPLY: u32 = u32::MAX - 3;
/// Tag of wake-ups (`data` = the waking component).
const WAKE: u32 = u32::MAX - 4;

impl Event {
    #[inline]
    pub(super) fn time(&self) -> SimTime {
        self.time
    }

    #[inline]
    pub(super) fn kind(&self) -> EventKind {
        match self.tag {
            DELIVER => EventKind::Deliver(MsgId::new(self.data as u32)),
            BOUNCE => EventKind::Bounce(
                MsgId::new((self.data & 0xffff_ffff) as u32),
                reason_from_u8((self.data >> 32) as u8),
                CompId::new((self.data >> 40) as u32),
            ),
            INVOKE => EventKind::Invoke(CallId::new(self.data as u32)),
            REPLY => EventKind::Reply(CallId::new(self.data as u32)),
            WAKE => EventKind::Wake(CompId::new(self.data as u32)),
            _ => EventKind::Local(self.tag, self.data),
        }
    }

    /// Messages this event carries in transit (for the leak check).
    fn carries_message(&self) -> bool {
        self.tag == DELIVER || self.tag == BOUNCE
    }
}

fn reason_from_u8(v: u8) -> FailReason {
    match v {
        1 => FailReason::Error,
        2 => FailReason::Timeout,
        3 => FailReason::Throttled,
        4 => FailReason::Expired,
        _ => FailReason::None,
    }
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    // reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The pending events.
#[derive(Default)]
pub(super) struct Calendar {
    seq: u64,
    heap: BinaryHeap<Event>,
    fifo: VecDeque<Event>,
}

impl Calendar {
    /// Add an event for `target` at `time`; `now` is the current time.
    #[inline]
    pub(super) fn push(&mut self, now: SimTime, time: SimTime, target: CompId, kind: EventKind) {
        self.seq += 1;
        let (tag, data) = match kind {
            EventKind::Deliver(id) => (DELIVER, u64::from(id)),
            EventKind::Bounce(id, r, by) => (
                BOUNCE,
                u64::from(id) | (u64::from(r as u8) << 32) | (u64::from(by) << 40),
            ),
            EventKind::Invoke(c) => (INVOKE, u64::from(c)),
            EventKind::Reply(c) => (REPLY, u64::from(c)),
            EventKind::Wake(w) => (WAKE, u64::from(w)),
            EventKind::Local(tag, data) => {
                debug_assert!(tag < WAKE, "timer tags must be below the engine's own");
                (tag, data)
            }
        };
        let ev = Event {
            time,
            seq: self.seq,
            target,
            tag,
            data,
        };
        if time == now {
            self.fifo.push_back(ev);
        } else {
            self.heap.push(ev);
        }
    }

    /// Time of the next event, if any.
    pub(super) fn peek_time(&self) -> Option<SimTime> {
        match (self.fifo.front(), self.heap.peek()) {
            (Some(f), _) => Some(f.time()),
            (None, Some(h)) => Some(h.time()),
            (None, None) => None,
        }
    }

    /// Take the next event, earliest (time, sequence number) first.
    pub(super) fn pop(&mut self) -> Option<Event> {
        let take_fifo = match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(h)) => (f.time, f.seq) < (h.time, h.seq),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_fifo {
            self.fifo.pop_front()
        } else {
            self.heap.pop()
        }
    }

    /// Events carrying a message in transit (for the leak check).
    pub(super) fn carrying_messages(&self) -> u64 {
        self.heap
            .iter()
            .chain(self.fifo.iter())
            .filter(|e| e.carries_message())
            .count() as u64
    }
}
