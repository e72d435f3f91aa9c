//! Timers a behaviour sets for itself. Each behaviour names what it waits for in an enum
//! that implements [`Timer`]; the enum is packed into the calendar's `(tag, payload)`
//! pair in its `encode` and read back in its `decode`, and nowhere else.
//!
//! Pieces shared by several kinds keep their own timer enums in their own tag range, so
//! a behaviour can hold them beside its own timers: a behaviour's own tags are below
//! [`SHARED_TAGS`]; the event-source mapping uses [`ESM_TAGS`], the per-target
//! deliveries [`DELIVERY_TAGS`] and the SDK resender [`RESEND_TAG`].

use super::MsgId;

/// What a behaviour schedules for itself, packed into a calendar entry in one place.
pub trait Timer: Copy {
    /// The calendar's tag and payload for this timer.
    fn encode(self) -> (u32, u64);
    /// The timer a tag and payload stand for, or `None` when the tag is not one of this
    /// type's.
    fn decode(tag: u32, data: u64) -> Option<Self>;
}

/// A timer that fired, as the engine hands it to [`super::Behaviour::on_local`]; read it
/// with [`Fired::get`] as the behaviour's (or a shared piece's) timer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fired {
    pub(crate) tag: u32,
    pub(crate) data: u64,
}

impl Fired {
    /// The timer as type `T`, if it is one of `T`'s.
    #[inline]
    #[must_use]
    pub fn get<T: Timer>(self) -> Option<T> {
        T::decode(self.tag, self.data)
    }
}

/// First tag of the shared pieces; a behaviour's own timers use tags below it.
pub const SHARED_TAGS: u32 = 100;
/// Tags of the event-source mapping (`aws::shard`).
pub(crate) const ESM_TAGS: u32 = 100;
/// Tags of the per-target deliveries (`aws::delivery`).
pub(crate) const DELIVERY_TAGS: u32 = 200;
/// Tag of the SDK resender (`resend`).
pub(crate) const RESEND_TAG: u32 = 300;

/// A message id and a 32-bit value in one payload.
#[inline]
#[must_use]
pub(crate) fn pack(id: MsgId, hi: u32) -> u64 {
    u64::from(id) | (u64::from(hi) << 32)
}

/// The message id and the 32-bit value of a payload made by [`pack`].
#[inline]
#[must_use]
pub(crate) fn unpack(data: u64) -> (MsgId, u32) {
    (MsgId::new((data & 0xffff_ffff) as u32), (data >> 32) as u32)
}

/// A 32-bit index (slot, lane, consumer) from a payload.
#[inline]
#[must_use]
pub(crate) fn low(data: u64) -> u32 {
    (data & 0xffff_ffff) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum T {
        A(MsgId, u32),
        B,
    }

    impl Timer for T {
        fn encode(self) -> (u32, u64) {
            match self {
                T::A(id, n) => (0, pack(id, n)),
                T::B => (1, 0),
            }
        }
        fn decode(tag: u32, data: u64) -> Option<Self> {
            match tag {
                0 => {
                    let (id, n) = unpack(data);
                    Some(T::A(id, n))
                }
                1 => Some(T::B),
                _ => None,
            }
        }
    }

    #[test]
    fn a_timer_survives_the_calendar_and_foreign_tags_are_none() {
        for t in [T::A(MsgId::new(u32::MAX - 1), 7), T::B] {
            let (tag, data) = t.encode();
            assert_eq!(Fired { tag, data }.get::<T>(), Some(t));
        }
        assert_eq!(
            Fired {
                tag: RESEND_TAG,
                data: 0
            }
            .get::<T>(),
            None
        );
    }
}
