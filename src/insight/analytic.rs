//! Queueing theory beside the simulation: offered load and utilisation of every pool
//! (servers, concurrency, container slots), the Erlang C prediction for components that
//! behave like an M/M/c queue, and Little's law (L = λW) checked on the measured values.

use std::collections::BTreeMap;

use crate::model::{ComponentKind, Dist, Document, Kind};
use crate::sim::Report;

/// Erlang C: the probability that an arrival has to wait in an M/M/c queue with `c`
/// servers and offered load `a` = λ/μ Erlangs. `None` when the queue is unstable
/// (`a >= c`) or `c` is 0.
#[must_use]
pub fn erlang_c(c: u32, a: f64) -> Option<f64> {
    if c == 0 || a.is_nan() || a < 0.0 || a >= f64::from(c) {
        return None;
    }
    // Erlang B by its recursion (stable for large c), then C from B
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let c = f64::from(c);
    Some(c * b / (c - a * (1.0 - b)))
}

/// What M/M/c theory predicts for a queue.
#[derive(Clone, Debug, PartialEq)]
pub struct MmcPrediction {
    /// Servers.
    pub servers: u32,
    /// Offered load λ/μ in Erlangs (busy servers on average).
    pub offered_load: f64,
    /// Offered load per server, ρ.
    pub utilisation: f64,
    /// Probability of waiting (Erlang C).
    pub p_wait: f64,
    /// Mean wait in the queue, ms.
    pub wait_ms: f64,
    /// Mean wait plus service, ms.
    pub sojourn_ms: f64,
    /// Mean number waiting, Lq.
    pub queue_len: f64,
}

/// The M/M/c prediction for arrivals at `lambda_per_s` and a mean service time of
/// `service_ms` on `servers` servers; `None` when unstable.
#[must_use]
pub fn mmc(servers: u32, lambda_per_s: f64, service_ms: f64) -> Option<MmcPrediction> {
    if service_ms <= 0.0 || lambda_per_s < 0.0 {
        return None;
    }
    let mu = 1000.0 / service_ms;
    let a = lambda_per_s / mu;
    let p_wait = erlang_c(servers, a)?;
    let c = f64::from(servers);
    let wq_s = p_wait / (c * mu - lambda_per_s);
    Some(MmcPrediction {
        servers,
        offered_load: a,
        utilisation: a / c,
        p_wait,
        wait_ms: wq_s * 1000.0,
        sojourn_ms: wq_s * 1000.0 + service_ms,
        queue_len: lambda_per_s * wq_s,
    })
}

/// One pool's analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolAnalysis {
    /// Display name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Servers, slots or concurrency utilisation is measured against.
    pub capacity: u64,
    /// Attempts per second (arrivals plus retries) over the measured window.
    pub attempts_per_s: f64,
    /// Mean service time per attempt, ms (measured).
    pub service_ms: f64,
    /// Offered load λ × S, Erlangs.
    pub offered_load: f64,
    /// Offered load / capacity.
    pub offered_utilisation: f64,
    /// Measured utilisation.
    pub utilisation: f64,
    /// The M/M/c prediction, for stations with exponential service and no throttle,
    /// buffer limit, expiry or timeout.
    pub mmc: Option<MmcPrediction>,
    /// Measured mean wait per attempt, ms.
    pub wait_ms: Option<f64>,
    /// Measured mean sojourn (wait + service) per attempt, ms.
    pub sojourn_ms: Option<f64>,
    /// Little's law, measured side: time-average number at the component (waiting plus
    /// in service).
    pub little_l: f64,
    /// Little's law, λW: attempts per second times the mean sojourn in seconds.
    pub little_lambda_w: f64,
}

impl PoolAnalysis {
    /// λW / L - 1: how far the measured values are from Little's law (0 when both are 0).
    #[must_use]
    pub fn little_error(&self) -> f64 {
        if self.little_l > 0.0 {
            self.little_lambda_w / self.little_l - 1.0
        } else if self.little_lambda_w > 0.0 {
            1.0
        } else {
            0.0
        }
    }
}

/// The M/M/c parameters of a component when it is one: (servers, mean service ms).
fn mmc_like(kind: &ComponentKind) -> Option<(u32, f64)> {
    match kind {
        ComponentKind::Station(s)
            if s.throttle.is_none()
                && s.queue_capacity.is_none()
                && s.max_age.is_none()
                && s.timeout.is_none() =>
        {
            match s.service_ms {
                Dist::Exponential { mean } => Some((s.servers, mean)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Analyse every component with a capacity (`capacities` by display name, as
/// [`crate::sim::Simulation::capacities`] gives them in document order).
#[must_use]
pub fn pools(
    doc: &Document,
    report: &Report,
    capacities: &BTreeMap<String, u64>,
) -> Vec<PoolAnalysis> {
    let window_s = (report.simulated_s - report.warmup_s).max(0.0);
    let mut out = Vec::new();
    for comp in &doc.components {
        let name = comp.display_name();
        let (Some(r), Some(&capacity)) = (report.components.get(name), capacities.get(name)) else {
            continue;
        };
        let Some(utilisation) = r.utilisation else {
            continue;
        };
        if capacity == 0 {
            continue;
        }
        let attempts = r.counters.arrivals + r.counters.retries;
        let attempts_per_s = if window_s > 0.0 {
            attempts as f64 / window_s
        } else {
            0.0
        };
        let service_ms = r.service_ms.as_ref().map_or(0.0, |s| s.mean);
        let offered_load = attempts_per_s * service_ms / 1000.0;
        let sojourn_ms = r.sojourn_ms.as_ref().map(|s| s.mean);
        let mmc = mmc_like(&comp.kind).and_then(|(c, s)| mmc(c, attempts_per_s, s));
        out.push(PoolAnalysis {
            name: name.to_owned(),
            kind: r.kind,
            capacity,
            attempts_per_s,
            service_ms,
            offered_load,
            offered_utilisation: offered_load / capacity as f64,
            utilisation,
            mmc,
            wait_ms: r.wait_ms.as_ref().map(|s| s.mean),
            sojourn_ms,
            little_l: r.queue_depth.mean + r.in_flight.mean,
            little_lambda_w: attempts_per_s * sojourn_ms.unwrap_or(0.0) / 1000.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_textbook_values() {
        // M/M/1: C = rho
        assert!((erlang_c(1, 0.8).unwrap() - 0.8).abs() < 1e-12);
        // M/M/4 with a = 3: C = 13.5 / 26.5
        assert!((erlang_c(4, 3.0).unwrap() - 13.5 / 26.5).abs() < 1e-12);
        // M/M/2 with a = 1.5 (rho 0.75): C = 2 * 0.75^2 / (1 + 0.75) = 0.642857
        assert!((erlang_c(2, 1.5).unwrap() - 0.642_857_142_857).abs() < 1e-9);
        assert_eq!(erlang_c(3, 3.0), None);
        assert_eq!(erlang_c(0, 0.5), None);
        // large pools stay finite and in [0, 1]
        let c = erlang_c(1000, 950.0).unwrap();
        assert!((0.0..=1.0).contains(&c), "{c}");
    }

    #[test]
    fn mmc_gives_the_bench_pipeline_sojourns() {
        // A: M/M/2, 100/s, 15 ms: 34.29 ms; C: M/M/3, 100/s, 25 ms: 60.11 ms (README)
        let a = mmc(2, 100.0, 15.0).unwrap();
        assert!((a.sojourn_ms - 34.29).abs() < 0.01, "{}", a.sojourn_ms);
        assert!((a.utilisation - 0.75).abs() < 1e-12);
        let c = mmc(3, 100.0, 25.0).unwrap();
        assert!((c.sojourn_ms - 60.11).abs() < 0.01, "{}", c.sojourn_ms);
        assert!(mmc(1, 200.0, 10.0).is_none());
    }
}
