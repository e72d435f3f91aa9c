//! The typed result of a run: the report and its cost (means over the replications),
//! their 95% half-widths, the replication count and why a replication halted. Every
//! reader of results (tables, insight, exports, the editor) reads its fields; JSON is
//! only its edge ([`RunResult::to_json`], schema `spillway.report/1`).

use serde_json::Value;

use super::CostReport;
use crate::sim::combine::{Combined, Count, Pair, Tally, is_whole, numbers};
use crate::sim::{ComponentReport, Report};

/// A report with its cost (`C`: the type of a count, as in [`Report`]).
#[derive(Clone, Debug)]
pub struct Priced<C = u64> {
    /// What was measured.
    pub report: Report<C>,
    /// What it cost.
    pub cost: CostReport<C>,
}

numbers!(Priced<Count> { report, cost });

/// The result of a run of a design: one replication as it was, or several combined.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The report and cost of a single run, or the means over the replications. Texts
    /// and the seed are the first replication's.
    pub mean: Priced<Count>,
    /// The 95% half-widths in the same shape (NaN where only one replication had the
    /// number); `None` for a single run.
    pub ci95: Option<Priced<Count>>,
    /// Replications combined.
    pub replications: u32,
    /// Why the first replication that halted itself stopped, if one did.
    pub halted: Option<String>,
}

/// Top-level numbers that are run settings (the same in every replication) or the
/// seed (different by design): the half-widths leave them out.
const SETTINGS: [&str; 6] = [
    "seed",
    "replications",
    "duration_s",
    "warmup_s",
    "bucket_s",
    "simulated_s",
];

impl RunResult {
    /// The result of replications combined (see [`crate::sim::Combiner`]).
    #[must_use]
    pub fn new(c: Combined<Priced<Count>>, halted: Option<String>) -> Self {
        RunResult {
            mean: c.mean,
            ci95: c.ci95,
            replications: c.count,
            halted,
        }
    }

    /// The result of one run.
    #[must_use]
    pub fn single(report: &Report, cost: &CostReport) -> Self {
        RunResult {
            mean: Priced {
                report: report.real(),
                cost: cost.real(),
            },
            ci95: None,
            replications: 1,
            halted: report.halted.clone(),
        }
    }

    /// The means and half-widths side by side, to read a number with its half-width.
    #[must_use]
    pub fn pair(&self) -> Pair<'_, Priced<Count>> {
        Pair {
            mean: &self.mean,
            ci95: self.ci95.as_ref(),
        }
    }

    /// The measured report (means and half-widths).
    #[must_use]
    pub fn report(&self) -> Pair<'_, Report<Count>> {
        Pair {
            mean: &self.mean.report,
            ci95: self.ci95.as_ref().map(|c| &c.report),
        }
    }

    /// The cost (means and half-widths).
    #[must_use]
    pub fn cost(&self) -> Pair<'_, CostReport<Count>> {
        Pair {
            mean: &self.mean.cost,
            ci95: self.ci95.as_ref().map(|c| &c.cost),
        }
    }

    /// One component's figures, by name.
    #[must_use]
    pub fn component(&self, name: &str) -> Option<Pair<'_, ComponentReport<Count>>> {
        self.report().part(|r| r.components.get(name))
    }

    /// Whether several replications were combined (numbers are means with half-widths).
    #[must_use]
    pub fn is_combined(&self) -> bool {
        self.ci95.is_some()
    }

    /// Rewrite every name the result holds (the design's, the components', the
    /// producers', the ends of the end-to-end pairs) with `f`: how tests feed the
    /// exports names that validation refuses.
    pub fn rename(&mut self, f: &dyn Fn(&str) -> String) {
        fn keys<T>(m: &mut std::collections::BTreeMap<String, T>, f: &dyn Fn(&str) -> String) {
            *m = std::mem::take(m)
                .into_iter()
                .map(|(k, v)| (f(&k), v))
                .collect();
        }
        for p in std::iter::once(&mut self.mean).chain(self.ci95.as_mut()) {
            let r = &mut p.report;
            r.design = f(&r.design);
            keys(&mut r.components, f);
            keys(&mut r.ledger.producers, f);
            keys(&mut p.cost.components, f);
            for e in &mut r.end_to_end {
                e.from = f(&e.from);
                e.to = f(&e.to);
            }
        }
    }

    /// A real number of the result (not a [`Count`], which writes itself) as its JSON
    /// writes it: as it is for a single run, as an integer when it is one for
    /// replications combined; `null` when not finite.
    #[must_use]
    pub fn json_number(&self, x: f64) -> Value {
        let mut v = serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
        if self.is_combined() {
            whole_numbers(&mut v);
        }
        v
    }

    /// The `spillway.report/1` JSON with the cost under `cost`: a single run's report as
    /// it is; for several replications every number is the mean, `replications` their
    /// count, `seed` the first one's, and a `ci95` object mirrors the numbers with their
    /// 95% half-widths.
    ///
    /// # Errors
    /// Only if a number cannot be written (a bug).
    pub fn to_json(&self) -> serde_json::Result<Value> {
        let mut v = priced_json(&self.mean)?;
        let Some(ci) = &self.ci95 else {
            return Ok(v);
        };
        whole_numbers(&mut v);
        let mut ci = half_widths(priced_json(ci)?).unwrap_or(Value::Null);
        if let Value::Object(c) = &mut ci {
            for k in SETTINGS {
                c.remove(k);
            }
        }
        if let Value::Object(m) = &mut v {
            m.insert("replications".to_owned(), Value::from(self.replications));
            m.insert("seed".to_owned(), Value::from(self.mean.report.seed));
            m.insert("ci95".to_owned(), ci);
        }
        Ok(v)
    }
}

fn priced_json(p: &Priced<Count>) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(&p.report)?;
    if let Value::Object(m) = &mut v {
        m.insert("cost".to_owned(), serde_json::to_value(&p.cost)?);
    }
    Ok(v)
}

/// Every number of a combined report written as an integer when it is one.
fn whole_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64()
                && is_whole(x)
            {
                *v = Value::from(x as i64);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(whole_numbers),
        Value::Object(m) => m.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The numbers of the half-width report only: texts and booleans are left out, objects
/// and lists with no number in them too; a list keeps its places (`null` where an item
/// has no number). A half-width JSON cannot hold (NaN) is `null`.
fn half_widths(v: Value) -> Option<Value> {
    match v {
        Value::Number(_) | Value::Null => {
            let mut v = v;
            whole_numbers(&mut v);
            Some(v)
        }
        Value::Object(m) => {
            let c: serde_json::Map<String, Value> = m
                .into_iter()
                .filter_map(|(k, v)| Some((k, half_widths(v)?)))
                .collect();
            (!c.is_empty()).then_some(Value::Object(c))
        }
        Value::Array(a) => {
            let items: Vec<Option<Value>> = a.into_iter().map(half_widths).collect();
            items.iter().any(Option::is_some).then(|| {
                Value::Array(
                    items
                        .into_iter()
                        .map(|i| i.unwrap_or(Value::Null))
                        .collect(),
                )
            })
        }
        Value::Bool(_) | Value::String(_) => None,
    }
}
