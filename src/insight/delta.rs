//! What changed between two runs: p99, throughput, utilisation and cost per component,
//! and the totals, read from two results as `spillway run` computes them
//! ([`super::table::results_value`]).

use serde_json::Value;

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

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Compare `current` against `baseline`: the totals first (cost per month, each
/// end-to-end p99), then per component (in the current run's order) its throughput,
/// utilisation, sojourn p99 and cost per month. Quantities absent on both sides are
/// left out.
#[must_use]
pub fn compare(baseline: &Value, current: &Value) -> Vec<DeltaRow> {
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
    push(
        "total".to_owned(),
        "$/month",
        f(&baseline["cost"]["per_month_usd"]),
        f(&current["cost"]["per_month_usd"]),
    );
    let e2e = |v: &Value, from: &str, to: &str| {
        v["end_to_end"].as_array().and_then(|a| {
            a.iter()
                .find(|e| e["from"] == from && e["to"] == to)
                .and_then(|e| f(&e["latency_ms"]["p99"]))
        })
    };
    for e in current["end_to_end"].as_array().into_iter().flatten() {
        let (from, to) = (
            e["from"].as_str().unwrap_or(""),
            e["to"].as_str().unwrap_or(""),
        );
        push(
            format!("{from} -> {to}"),
            "p99 ms",
            e2e(baseline, from, to),
            f(&e["latency_ms"]["p99"]),
        );
    }
    if let Some(comps) = current["components"].as_object() {
        for (name, c) in comps {
            let b = &baseline["components"][name];
            push(
                name.clone(),
                "done/s",
                f(&b["throughput_per_s"]),
                f(&c["throughput_per_s"]),
            );
            push(
                name.clone(),
                "util",
                f(&b["utilisation"]),
                f(&c["utilisation"]),
            );
            push(
                name.clone(),
                "p99 ms",
                f(&b["sojourn_ms"]["p99"]),
                f(&c["sojourn_ms"]["p99"]),
            );
            push(
                name.clone(),
                "$/month",
                f(&baseline["cost"]["components"][name]["per_month_usd"]),
                f(&current["cost"]["components"][name]["per_month_usd"]),
            );
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_relative_to_the_baseline() {
        let b = serde_json::json!({
            "cost": {"per_month_usd": 100.0, "components": {"q": {"per_month_usd": 40.0}}},
            "end_to_end": [{"from": "p", "to": "s", "latency_ms": {"p99": 200.0}}],
            "components": {"q": {"throughput_per_s": 10.0, "sojourn_ms": {"p99": 50.0}}},
        });
        let c = serde_json::json!({
            "cost": {"per_month_usd": 150.0, "components": {"q": {"per_month_usd": 40.0}}},
            "end_to_end": [{"from": "p", "to": "s", "latency_ms": {"p99": 100.0}}],
            "components": {"q": {"throughput_per_s": 12.0, "sojourn_ms": {"p99": 50.0}, "utilisation": 0.5}},
        });
        let rows = compare(&b, &c);
        assert_eq!(rows[0].subject, "total");
        assert!((rows[0].change().unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(rows[1].subject, "p -> s");
        assert!((rows[1].change().unwrap() + 0.5).abs() < 1e-12);
        let util = rows.iter().find(|r| r.quantity == "util").unwrap();
        assert_eq!(util.baseline, None);
        assert_eq!(util.change(), None);
        assert_eq!(rows.len(), 6);
    }
}
