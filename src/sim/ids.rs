//! Typed handles of the engine: messages, components, links and calls are each numbered
//! from zero, and a handle of one cannot be taken for another. Each indexes the engine's
//! per-thing tables directly (`metrics[me]`, `links[link]`), so behaviour code never
//! converts numbers by hand.

use std::fmt;
use std::ops::{Index, IndexMut};

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The handle numbered `i`.
            #[inline]
            #[must_use]
            pub const fn new(i: u32) -> Self {
                $name(i)
            }

            /// The handle at position `i` of a table (saturating at `u32::MAX`).
            #[inline]
            #[must_use]
            pub fn at(i: usize) -> Self {
                $name(u32::try_from(i).unwrap_or(u32::MAX))
            }

            /// Its number.
            #[inline]
            #[must_use]
            pub const fn get(self) -> u32 {
                self.0
            }

            /// Its position in a table.
            #[inline]
            #[must_use]
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<$name> for u64 {
            #[inline]
            fn from(h: $name) -> u64 {
                u64::from(h.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<T> Index<$name> for [T] {
            type Output = T;
            #[inline]
            fn index(&self, h: $name) -> &T {
                &self[h.0 as usize]
            }
        }

        impl<T> IndexMut<$name> for [T] {
            #[inline]
            fn index_mut(&mut self, h: $name) -> &mut T {
                &mut self[h.0 as usize]
            }
        }

        impl<T> Index<$name> for Vec<T> {
            type Output = T;
            #[inline]
            fn index(&self, h: $name) -> &T {
                &self[h.0 as usize]
            }
        }

        impl<T> IndexMut<$name> for Vec<T> {
            #[inline]
            fn index_mut(&mut self, h: $name) -> &mut T {
                &mut self[h.0 as usize]
            }
        }
    };
}

handle!(
    /// A message: its slot in the engine's message slab.
    MsgId
);
handle!(
    /// A component, numbered in document order.
    CompId
);
handle!(
    /// A compiled link (one drawn connection the engine kept).
    LinkId
);
handle!(
    /// A synchronous call in the engine's call table.
    CallId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_index_tables_and_keep_their_number() {
        let mut v = Vec::from([10, 20, 30]);
        let c = CompId::at(2);
        assert_eq!(v[c], 30);
        v[CompId::new(0)] += 5;
        assert_eq!(v[..][CompId::new(0)], 15);
        assert_eq!((c.get(), c.index(), u64::from(c)), (2, 2, 2));
        assert_eq!(LinkId::at(usize::MAX), LinkId::new(u32::MAX));
        assert_eq!(MsgId::new(7).to_string(), "7");
    }
}
