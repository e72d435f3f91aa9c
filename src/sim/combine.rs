//! Combining replications, typed: the mean and the 95% confidence half-width of every
//! number of a report, computed in one pass and in bounded memory.
//!
//! A report part is combined through two small traits written once per struct by the
//! [`numbers!`](crate::sim::combine) macro from its field list:
//! - [`Tally`] turns a single run's part (counts as `u64`) into its real-valued twin
//!   (counts as [`Count`], an `f64` that can hold a mean count);
//! - [`Walk`] visits the numbers of two parts of the same shape side by side, so a
//!   [`Combiner`] can keep one running sum per number. The shape follows the first
//!   report: maps by its keys, lists cut to the shortest length seen, booleans and-ed,
//!   texts taken from the first, numbers averaged over the reports that have one.
//!
//! The mean and the half-widths come out as two values of the same type, so a reader
//! picks a field once and gets both ([`Pair::get`]).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::model::Kind;

/// A count in a report: an integer for a single run, a mean count (possibly fractional)
/// over replications. It is written to JSON as an integer whenever it is one.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Count(pub f64);

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if is_whole(x) {
            s.serialize_i64(x as i64)
        } else {
            s.serialize_f64(x)
        }
    }
}

impl From<Count> for f64 {
    fn from(c: Count) -> f64 {
        c.0
    }
}

/// Whether `x` is written as an integer in a combined report.
#[must_use]
pub fn is_whole(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x.abs() < 9e15
}

/// A single run's report part turned into its real-valued twin (counts as [`Count`]).
pub trait Tally {
    /// The twin.
    type Real;
    /// Convert.
    fn real(&self) -> Self::Real;
}

/// What a [`Walk`] does at each place two reports share.
pub trait Zipper {
    /// A number of the first report (`acc`) and the same number of the other (`x`).
    fn num(&mut self, acc: &mut f64, x: f64);
    /// A boolean: combined reports keep `true` only where every report had it.
    fn flag(&mut self, acc: &mut bool, x: bool) {
        *acc &= x;
    }
}

/// Visiting the numbers of report parts.
pub trait Walk {
    /// Visit every place `self` and `other` share, cutting lists of `self` to the
    /// shorter length.
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper);
    /// `other` has nothing here: lists become empty and booleans false.
    fn absent(&mut self);
    /// Visit every number of `self`.
    fn each(&mut self, f: &mut dyn FnMut(&mut f64));
}

impl Tally for u64 {
    type Real = Count;
    fn real(&self) -> Count {
        Count(*self as f64)
    }
}

macro_rules! same_tally {
    ($($t:ty),*) => {$(
        impl Tally for $t {
            type Real = $t;
            fn real(&self) -> $t {
                *self
            }
        }
    )*};
}
same_tally!(f64, bool, u32, Kind);

impl Tally for String {
    type Real = String;
    fn real(&self) -> String {
        self.clone()
    }
}

impl<T: Tally> Tally for Option<T> {
    type Real = Option<T::Real>;
    fn real(&self) -> Self::Real {
        self.as_ref().map(Tally::real)
    }
}

impl<T: Tally> Tally for Vec<T> {
    type Real = Vec<T::Real>;
    fn real(&self) -> Self::Real {
        self.iter().map(Tally::real).collect()
    }
}

impl<T: Tally> Tally for BTreeMap<String, T> {
    type Real = BTreeMap<String, T::Real>;
    fn real(&self) -> Self::Real {
        self.iter().map(|(k, v)| (k.clone(), v.real())).collect()
    }
}

impl Walk for f64 {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        z.num(self, *other);
    }
    fn absent(&mut self) {}
    fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
        f(self);
    }
}

impl Walk for Count {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        z.num(&mut self.0, other.0);
    }
    fn absent(&mut self) {}
    fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
        f(&mut self.0);
    }
}

impl Walk for bool {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        z.flag(self, *other);
    }
    fn absent(&mut self) {
        *self = false;
    }
    fn each(&mut self, _: &mut dyn FnMut(&mut f64)) {}
}

/// Texts (and the replication count) are the first report's.
macro_rules! kept {
    ($($t:ty),*) => {$(
        impl Walk for $t {
            fn zip(&mut self, _: &Self, _: &mut dyn Zipper) {}
            fn absent(&mut self) {}
            fn each(&mut self, _: &mut dyn FnMut(&mut f64)) {}
        }
    )*};
}
kept!(String, u32, Kind);

impl<T: Walk> Walk for Option<T> {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        if let Some(me) = self {
            match other {
                Some(o) => me.zip(o, z),
                None => me.absent(),
            }
        }
    }
    fn absent(&mut self) {
        if let Some(me) = self {
            me.absent();
        }
    }
    fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
        if let Some(me) = self {
            me.each(f);
        }
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        self.truncate(other.len());
        for (me, o) in self.iter_mut().zip(other) {
            me.zip(o, z);
        }
    }
    fn absent(&mut self) {
        self.clear();
    }
    fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
        for me in self {
            me.each(f);
        }
    }
}

impl<T: Walk> Walk for BTreeMap<String, T> {
    fn zip(&mut self, other: &Self, z: &mut dyn Zipper) {
        for (k, me) in self.iter_mut() {
            match other.get(k) {
                Some(o) => me.zip(o, z),
                None => me.absent(),
            }
        }
    }
    fn absent(&mut self) {
        for me in self.values_mut() {
            me.absent();
        }
    }
    fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
        for me in self.values_mut() {
            me.each(f);
        }
    }
}

/// Implement [`Tally`] and [`Walk`] for a report struct from its field list (every
/// field, so the struct literal of [`Tally::real`] fails to compile when one is missing).
/// `Name<Count> { ...; keep a, b }` for a struct generic over its count type (the kept
/// fields, `Copy`, are the first report's), `Name { ... }` for one without counts.
macro_rules! numbers {
    ($ty:ident < Count > { $($f:ident),* $(,)? $(; keep $($k:ident),*)? }) => {
        impl $crate::sim::combine::Tally for $ty<u64> {
            type Real = $ty<$crate::sim::combine::Count>;
            fn real(&self) -> Self::Real {
                $ty {
                    $($f: $crate::sim::combine::Tally::real(&self.$f),)*
                    $($($k: self.$k,)*)?
                }
            }
        }
        $crate::sim::combine::numbers!(@walk $ty<$crate::sim::combine::Count> { $($f),* });
    };
    ($ty:ident { $($f:ident),* $(,)? }) => {
        impl $crate::sim::combine::Tally for $ty {
            type Real = $ty;
            fn real(&self) -> Self::Real {
                $ty { $($f: $crate::sim::combine::Tally::real(&self.$f)),* }
            }
        }
        $crate::sim::combine::numbers!(@walk $ty { $($f),* });
    };
    (@walk $t:ty { $($f:ident),* }) => {
        impl $crate::sim::combine::Walk for $t {
            fn zip(&mut self, other: &Self, z: &mut dyn $crate::sim::combine::Zipper) {
                $($crate::sim::combine::Walk::zip(&mut self.$f, &other.$f, z);)*
            }
            fn absent(&mut self) {
                $($crate::sim::combine::Walk::absent(&mut self.$f);)*
            }
            fn each(&mut self, f: &mut dyn FnMut(&mut f64)) {
                $($crate::sim::combine::Walk::each(&mut self.$f, f);)*
            }
        }
    };
}
pub(crate) use numbers;

/// Running sums of one number: the sum (for the mean, added in order) and Welford's mean
/// and sum of squared deviations (for the variance).
#[derive(Clone, Copy, Debug)]
struct Running {
    n: u64,
    sum: f64,
    mean: f64,
    m2: f64,
}

impl Running {
    fn new(x: f64) -> Self {
        Running {
            n: 1,
            sum: 0.0 + x,
            mean: x,
            m2: 0.0,
        }
    }

    fn add(&mut self, x: f64) {
        if x.is_nan() {
            // a number JSON cannot hold is left out, as a missing one
            return;
        }
        self.n += 1;
        self.sum += x;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }

    /// 95% confidence half-width (Student t); NaN for a single value.
    fn half_width(&self) -> f64 {
        let nf = self.n as f64;
        let var = if self.n > 1 {
            self.m2 / (nf - 1.0)
        } else {
            0.0
        };
        super::report::t975(u32::try_from(self.n.saturating_sub(1)).unwrap_or(u32::MAX))
            * (var / nf).sqrt()
    }
}

/// Adds a report to the running sums; the numbers of the tree are indexes of the sums.
struct Adder<'a>(&'a mut [Running]);

impl Zipper for Adder<'_> {
    fn num(&mut self, acc: &mut f64, x: f64) {
        if let Some(r) = self.0.get_mut(*acc as usize) {
            r.add(x);
        }
    }
}

/// Combines reports one at a time into their means and 95% half-widths, keeping one
/// running sum per number instead of the reports, so its memory is that of one report
/// whatever the count.
#[derive(Debug)]
pub struct Combiner<T> {
    /// The first report, kept as it is until a second arrives.
    first: Option<T>,
    /// The first report's shape with each number replaced by the index of its sums.
    tree: Option<T>,
    /// The running sums.
    sums: Vec<Running>,
    /// Reports added.
    count: u32,
}

impl<T> Default for Combiner<T> {
    fn default() -> Self {
        Combiner {
            first: None,
            tree: None,
            sums: Vec::new(),
            count: 0,
        }
    }
}

/// Replications combined.
#[derive(Clone, Debug, PartialEq)]
pub struct Combined<T> {
    /// Every number the mean over the replications (the report itself for one).
    pub mean: T,
    /// Every number its 95% half-width (NaN where only one replication had it); `None`
    /// for a single replication.
    pub ci95: Option<T>,
    /// Replications combined.
    pub count: u32,
}

impl<T: Walk + Clone> Combiner<T> {
    /// Add the next report.
    pub fn add(&mut self, x: T) {
        self.count += 1;
        if self.tree.is_none() {
            match self.first.take() {
                None => {
                    self.first = Some(x);
                    return;
                }
                Some(mut first) => {
                    let sums = &mut self.sums;
                    first.each(&mut |v| {
                        sums.push(Running::new(*v));
                        *v = (sums.len() - 1) as f64;
                    });
                    self.tree = Some(first);
                }
            }
        }
        if let Some(tree) = &mut self.tree {
            tree.zip(&x, &mut Adder(&mut self.sums));
        }
    }

    /// Reports added so far.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The combination; `None` when nothing was added.
    #[must_use]
    pub fn finish(self) -> Option<Combined<T>> {
        let Some(tree) = self.tree else {
            return self.first.map(|mean| Combined {
                mean,
                ci95: None,
                count: self.count,
            });
        };
        let sums = self.sums;
        let pick = |f: fn(&Running) -> f64| {
            let mut t = tree.clone();
            t.each(&mut |v| *v = sums.get(*v as usize).map_or(f64::NAN, f));
            t
        };
        Some(Combined {
            mean: pick(Running::mean),
            ci95: Some(pick(Running::half_width)),
            count: self.count,
        })
    }
}

/// A mean with its 95% confidence half-width, when replications were combined.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// The value (the mean over replications).
    pub mean: f64,
    /// The 95% half-width; `None` for a single run or where it is unknown.
    pub half_width: Option<f64>,
}

/// The same part of the mean report and of the half-widths, to read a field once and get
/// both.
#[derive(Debug)]
pub struct Pair<'a, T> {
    /// The means.
    pub mean: &'a T,
    /// The half-widths (`None` for a single run).
    pub ci95: Option<&'a T>,
}

impl<T> Clone for Pair<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Pair<'_, T> {}

impl<'a, T> Pair<'a, T> {
    /// The number `f` reads, with its half-width.
    pub fn get(&self, f: impl Fn(&T) -> f64) -> Estimate {
        Estimate {
            mean: f(self.mean),
            half_width: self.ci95.map(&f).filter(|h| !h.is_nan()),
        }
    }

    /// The part `f` reads (from both), when the mean has it.
    pub fn part<U: 'a>(&self, f: impl Fn(&'a T) -> Option<&'a U>) -> Option<Pair<'a, U>> {
        Some(Pair {
            mean: f(self.mean)?,
            ci95: self.ci95.and_then(f),
        })
    }
}

impl<T> Combined<T> {
    /// The mean and the half-widths side by side.
    #[must_use]
    pub fn pair(&self) -> Pair<'_, T> {
        Pair {
            mean: &self.mean,
            ci95: self.ci95.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Part<C> {
        n: C,
        x: f64,
        s: Vec<f64>,
        ok: bool,
        name: String,
        only_first: Option<f64>,
        m: BTreeMap<String, Vec<f64>>,
    }
    numbers!(Part<Count> { n, x, s, ok, name, only_first, m });

    /// The two-pass mean and half-width of `xs` (every value in memory).
    fn two_pass(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (
            mean,
            super::super::report::t975(u32::try_from(xs.len() - 1).unwrap()) * (var / n).sqrt(),
        )
    }

    #[test]
    fn running_combination_matches_the_two_pass_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for reps in [2usize, 3, 5, 17, 100] {
            let parts: Vec<Part<u64>> = (0..reps)
                .map(|i| Part {
                    n: 1_000_000 + rng.random_range(0..1000u64),
                    x: 12.5 + rng.random::<f64>(),
                    s: (0..(40 - i % 3))
                        .map(|_| rng.random::<f64>() * 1e3)
                        .collect(),
                    ok: i != 1,
                    name: format!("n{i}"),
                    only_first: (i == 0).then_some(1.5),
                    m: [("a".to_owned(), vec![1.0, 2.0])]
                        .into_iter()
                        .filter(|_| i != 2)
                        .collect(),
                })
                .collect();
            let mut c = Combiner::default();
            for p in &parts {
                c.add(p.real());
            }
            let got = c.finish().unwrap();
            assert_eq!(got.count as usize, reps);
            let ns: Vec<f64> = parts.iter().map(|p| p.n as f64).collect();
            let (m, h) = two_pass(&ns);
            let est = got.pair().get(|p| p.n.0);
            // means are summed in the same order: identical
            assert_eq!(est.mean, m);
            assert!((est.half_width.unwrap() - h).abs() <= 1e-12 * h.abs());
            let xs: Vec<f64> = parts.iter().map(|p| p.x).collect();
            assert_eq!(got.mean.x, two_pass(&xs).0);
            // lists are cut to the shortest, booleans and-ed, texts the first's
            assert_eq!(got.mean.s.len(), if reps > 2 { 38 } else { 39 });
            assert_eq!(got.mean.ok, reps == 1);
            assert_eq!(got.mean.name, "n0");
            // a number only the first had: its value, no half-width
            assert_eq!(got.mean.only_first, Some(1.5));
            assert_eq!(got.pair().get(|p| p.only_first.unwrap()).half_width, None);
            // a key a later report lacks: its lists become empty
            assert_eq!(got.mean.m["a"].len(), if reps > 2 { 0 } else { 2 });
        }
        // one report comes back unchanged, without half-widths
        let mut c = Combiner::default();
        let one = Part {
            n: 3u64,
            x: 1.5,
            s: vec![],
            ok: true,
            name: String::new(),
            only_first: None,
            m: BTreeMap::new(),
        };
        c.add(one.real());
        let got = c.finish().unwrap();
        assert_eq!(got.mean, one.real());
        assert_eq!(got.ci95, None);
        assert!(Combiner::<Part<Count>>::default().finish().is_none());
    }

    #[test]
    fn counts_are_written_as_integers_when_whole() {
        assert_eq!(serde_json::to_string(&Count(3.0)).unwrap(), "3");
        assert_eq!(serde_json::to_string(&Count(3.5)).unwrap(), "3.5");
    }
}
