//! What changed between two runs: p99, throughput, utilisation and cost per component,
//! and the totals, read from two results of [`super::run`].

use crate::cost::RunResult;
use crate::sim::{ComponentReport, Count};

/// One compared quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct DeltaRow {
    /// Component display name, or `total` / `producer -> consumer` for end-to-end rows.
    pub subject: String,
    /// What is compared, with its unit (`p99 ms`, `done/s`, `util`, `$/month`).
    pub quantity: &'static str,
    /// The baseline's value (`None` when the baseline lacks it).
    pub baseline: Option<f64>,
    /// The current run's value.
    pub current: Option<f64>,
}

impl DeltaRow {
    /// Relative change, current / baseline - 1 (`None` when either side is missing or
    /// the baseline is 0).
    #[must_use]
    pub fn change(&self) -> Option<f64> {
        match (self.baseline, self.current) {
            (Some(b), Some(c)) if b != 0.0 => Some(c / b - 1.0),
            _ => None,
        }
    }
}

/// A number as the JSON report holds it (`None` where JSON cannot hold it: NaN).
fn f(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Compare `current` against `baseline`: the totals first (cost per month, each
/// end-to-end p99), then per component (in the current run's order) its throughput,
/// utilisation, sojourn p99 and cost per month. Quantities absent on both sides are
/// left out.
#[must_use]
pub fn compare(baseline: &RunResult, current: &RunResult) -> Vec<DeltaRow> {
    let mut rows = Vec::new();
    let mut push = |subject: String, quantity, b: Option<f64>, c: Option<f64>| {
        if b.is_some() || c.is_some() {
            rows.push(DeltaRow {
                subject,
                quantity,
                baseline: b,
                current: c,
            });
        }
    };
    let (b, c) = (&baseline.mean, &current.mean);
    push(
        "total".to_owned(),
        "$/month",
        f(b.cost.per_month_usd),
        f(c.cost.per_month_usd),
    );
    for e in &c.report.end_to_end {
        let base = b
            .report
            .end_to_end
            .iter()
            .find(|x| x.from == e.from && x.to == e.to)
            .and_then(|x| f(x.latency_ms.p99));
        push(
            format!("{} -> {}", e.from, e.to),
            "p99 ms",
            base,
            f(e.latency_ms.p99),
        );
    }
    for (name, k) in &c.report.components {
        let bk = b.report.components.get(name);
        push(
            name.clone(),
            "done/s",
            bk.and_then(|x| f(x.throughput_per_s)),
            f(k.throughput_per_s),
        );
        push(
            name.clone(),
            "util",
            bk.and_then(|x| x.utilisation).and_then(f),
            k.utilisation.and_then(f),
        );
        let p99 = |x: &ComponentReport<Count>| x.sojourn_ms.as_ref().and_then(|l| f(l.p99));
        push(name.clone(), "p99 ms", bk.and_then(p99), p99(k));
        let cost = |p: &crate::cost::Priced<Count>| {
            p.cost.components.get(name).and_then(|x| f(x.per_month_usd))
        };
        push(name.clone(), "$/month", cost(b), cost(c));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result of a queue and a function fed `rate` events per second for 20 s.
    fn result(rate: f64) -> RunResult {
        let doc = crate::model::from_ron_str(&format!(
            r#"(name: "d", scenario: (duration: "20s", warmup: "0s"), components: [
                (id: "p", name: "p", kind: Producer(arrivals: Poisson(rate_per_s: {rate}))),
                (id: "q", name: "q", kind: SqsQueue()),
                (id: "f", name: "f", kind: Lambda()),
            ], connections: [(from: "p", to: "q"), (from: "q", to: "f")])"#
        ))
        .unwrap();
        let book = crate::cost::PriceBook::builtin().unwrap();
        super::super::run::Runnable::check(&doc)
            .unwrap()
            .run(&book, None)
            .unwrap()
    }

    #[test]
    fn changes_are_relative_to_the_baseline() {
        let (b, c) = (result(10.0), result(20.0));
        let rows = compare(&b, &c);
        assert_eq!(rows[0].subject, "total");
        let want = c.mean.cost.per_month_usd / b.mean.cost.per_month_usd - 1.0;
        assert!((rows[0].change().unwrap() - want).abs() < 1e-12);
        assert!(want > 0.5, "twice the traffic costs more: {want}");
        assert_eq!(rows[1].subject, "p -> f");
        let done = rows
            .iter()
            .find(|r| r.subject == "q" && r.quantity == "done/s")
            .unwrap();
        assert!(done.change().unwrap() > 0.5, "{done:?}");
        // a queue has no utilisation: its row is left out
        assert!(
            !rows
                .iter()
                .any(|r| r.subject == "q" && r.quantity == "util")
        );
    }
}
