//! Probability distributions and arrival processes as the document declares them.
//!
//! These are plain data: the engine compiles them into samplers (`sim::sample`). Values
//! are in the unit named by the field that holds the distribution (`service_ms` holds
//! milliseconds).

use serde::{Deserialize, Serialize};

use super::duration::Duration;

/// z-score of the 99th percentile of the standard normal distribution.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// A non-negative random quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always the same value.
    Constant(f64),
    /// Uniform between `min` and `max`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Exponential (memoryless) with the given mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Normal, truncated at zero (negative draws are redrawn).
    Normal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        std_dev: f64,
    },
    /// Log-normal given by its median and 99th percentile.
    LogNormal {
        /// Median.
        p50: f64,
        /// 99th percentile (at least the median).
        p99: f64,
    },
    /// Gamma with a shape and a mean (scale = mean / shape).
    Gamma {
        /// Shape k (> 0); 1 is exponential, larger is less variable.
        shape: f64,
        /// Mean.
        mean: f64,
    },
    /// Erlang-k: the sum of `k` exponentials, with the given total mean.
    Erlang {
        /// Number of phases (>= 1).
        k: u32,
        /// Mean.
        mean: f64,
    },
    /// Weibull with shape and scale.
    Weibull {
        /// Shape (> 0).
        shape: f64,
        /// Scale (> 0).
        scale: f64,
    },
    /// Pareto (heavy tail) with shape alpha and minimum value `scale`.
    Pareto {
        /// Shape alpha (> 0; the mean is finite only above 1).
        shape: f64,
        /// Minimum value (> 0).
        scale: f64,
    },
    /// A table of percentiles `(percentile 0..=100, value)`, sampled by linear
    /// interpolation of the inverse distribution function. The first row must be
    /// percentile 0 and the last 100.
    Empirical {
        /// Rows `(percentile, value)`, percentiles increasing, values non-decreasing.
        points: Vec<(f64, f64)>,
    },
}

impl Default for Dist {
    fn default() -> Self {
        Dist::Exponential { mean: 10.0 }
    }
}

impl Dist {
    /// The mean, used for analytic estimates and cost. Infinite for a Pareto with
    /// shape <= 1.
    #[must_use]
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Exponential { mean } | Dist::Gamma { mean, .. } | Dist::Erlang { mean, .. } => {
                *mean
            }
            Dist::Normal { mean, std_dev } => truncated_normal_mean(*mean, *std_dev),
            Dist::LogNormal { p50, p99 } => {
                let sigma = lognormal_sigma(*p50, *p99);
                p50 * (sigma * sigma / 2.0).exp()
            }
            Dist::Weibull { shape, scale } => scale * gamma_fn(1.0 + 1.0 / shape),
            Dist::Pareto { shape, scale } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale / (shape - 1.0)
                }
            }
            Dist::Empirical { points } => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) / 100.0 * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }

    /// Squared coefficient of variation (variance / mean^2) where it has a closed form;
    /// used by the analytic approximations.
    #[must_use]
    pub fn scv(&self) -> Option<f64> {
        match self {
            Dist::Constant(_) => Some(0.0),
            Dist::Exponential { .. } => Some(1.0),
            Dist::Gamma { shape, .. } => Some(1.0 / shape),
            Dist::Erlang { k, .. } => Some(1.0 / f64::from(*k)),
            Dist::Uniform { min, max } => {
                let m = (min + max) / 2.0;
                (m > 0.0).then(|| (max - min).powi(2) / 12.0 / (m * m))
            }
            _ => None,
        }
    }

    /// Every problem with the parameters, as short phrases (empty when valid).
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let positive = |out: &mut Vec<String>, name: &str, v: f64| {
            if !v.is_finite() || v <= 0.0 {
                out.push(format!("{name} must be a positive finite number, got {v}"));
            }
        };
        match self {
            Dist::Constant(v) => {
                if !v.is_finite() || *v < 0.0 {
                    out.push(format!("constant must be finite and >= 0, got {v}"));
                }
            }
            Dist::Uniform { min, max } => {
                if !min.is_finite() || !max.is_finite() || *min < 0.0 || max < min {
                    out.push(format!("uniform needs 0 <= min <= max, got {min}..{max}"));
                }
            }
            Dist::Exponential { mean } => positive(&mut out, "mean", *mean),
            Dist::Normal { mean, std_dev } => {
                positive(&mut out, "mean", *mean);
                if !std_dev.is_finite() || *std_dev < 0.0 {
                    out.push(format!("std_dev must be finite and >= 0, got {std_dev}"));
                }
            }
            Dist::LogNormal { p50, p99 } => {
                positive(&mut out, "p50", *p50);
                positive(&mut out, "p99", *p99);
                if p99 < p50 {
                    out.push(format!("p99 ({p99}) must be at least p50 ({p50})"));
                }
            }
            Dist::Gamma { shape, mean } => {
                positive(&mut out, "shape", *shape);
                positive(&mut out, "mean", *mean);
                if out.is_empty() {
                    scale_problems(&mut out, *mean, *shape);
                }
            }
            Dist::Erlang { k, mean } => {
                if *k == 0 {
                    out.push("k must be at least 1".to_owned());
                }
                positive(&mut out, "mean", *mean);
                if out.is_empty() {
                    scale_problems(&mut out, *mean, f64::from(*k));
                }
            }
            Dist::Weibull { shape, scale } | Dist::Pareto { shape, scale } => {
                positive(&mut out, "shape", *shape);
                positive(&mut out, "scale", *scale);
            }
            Dist::Empirical { points } => {
                if points.len() < 2 {
                    out.push("an empirical table needs at least two rows".to_owned());
                } else {
                    if points[0].0 != 0.0 || points[points.len() - 1].0 != 100.0 {
                        out.push(
                            "an empirical table must start at percentile 0 and end at 100"
                                .to_owned(),
                        );
                    }
                    if points
                        .iter()
                        .any(|(p, v)| !p.is_finite() || !v.is_finite() || *v < 0.0)
                    {
                        out.push("empirical values must be finite and >= 0".to_owned());
                    }
                    if points
                        .windows(2)
                        .any(|w| w[1].0 <= w[0].0 || w[1].1 < w[0].1)
                    {
                        out.push(
                            "empirical percentiles must increase and values must not decrease"
                                .to_owned(),
                        );
                    }
                }
            }
        }
        out
    }
}

/// The scale (`mean / shape`) of a gamma or Erlang distribution must itself be a positive
/// finite number: a tiny mean over a large shape underflows to zero, and a large mean over
/// a tiny shape overflows, and neither can be sampled.
fn scale_problems(out: &mut Vec<String>, mean: f64, shape: f64) {
    let scale = mean / shape;
    if !scale.is_finite() || scale <= 0.0 {
        out.push(format!(
            "mean / shape ({mean:e} / {shape:e}) must be a positive finite number"
        ));
    }
}

/// The sigma of a log-normal with the given median and 99th percentile.
#[must_use]
pub fn lognormal_sigma(p50: f64, p99: f64) -> f64 {
    (p99.ln() - p50.ln()) / Z99
}

/// Standard normal density.
fn phi(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Mean of a normal(mean, sd) conditioned on being >= 0.
fn truncated_normal_mean(mean: f64, sd: f64) -> f64 {
    if sd <= 0.0 {
        return mean.max(0.0);
    }
    let alpha = -mean / sd;
    // P(X >= 0) = 1 - Phi(alpha) = erfc(alpha / sqrt 2) / 2
    let tail = 0.5 * erfc(alpha / std::f64::consts::SQRT_2);
    mean + sd * phi(alpha) / tail
}

/// The gamma function (Lanczos approximation, g = 7), for positive arguments.
#[must_use]
pub fn gamma_fn(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut a = C[0];
        let t = x + 7.5;
        for (i, c) in C.iter().enumerate().skip(1) {
            a += c / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

/// One step of a piecewise arrival-rate profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePoint {
    /// When this rate is reached, from the start of the run.
    pub at: Duration,
    /// Arrival rate from then on.
    pub rate_per_s: f64,
    /// If true the rate ramps linearly from the previous point's rate up or down to this
    /// one; if false it steps to it at `at`.
    #[serde(default)]
    pub ramp: bool,
}

/// How a producer's events arrive over time. All processes other than `Constant` and
/// `Renewal` are Poisson processes with the given (possibly time-varying) rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Arrivals {
    /// Poisson arrivals at a fixed rate.
    Poisson {
        /// Mean arrivals per second.
        rate_per_s: f64,
    },
    /// Evenly spaced arrivals, the first one at `1 / rate_per_s`.
    Constant {
        /// Arrivals per second.
        rate_per_s: f64,
    },
    /// Bursty: Poisson at `on_rate_per_s` for `on`, then silent for `off`, repeating.
    OnOff {
        /// Rate during the on phase.
        on_rate_per_s: f64,
        /// Length of each on phase.
        on: Duration,
        /// Length of each off phase.
        off: Duration,
    },
    /// Piecewise-constant or ramped rate over time; before the first point the rate is
    /// the first point's, after the last it stays at the last.
    Profile {
        /// Points in time order.
        points: Vec<ProfilePoint>,
    },
    /// A daily (or any period) wave: `mean * (1 + amplitude * sin(2 pi t / period))`.
    Sinusoid {
        /// Average rate.
        mean_rate_per_s: f64,
        /// Relative swing, 0..=1.
        amplitude: f64,
        /// Length of one cycle.
        period: Duration,
    },
    /// A renewal process: independent gaps from any distribution, in milliseconds.
    Renewal {
        /// Gap between arrivals in ms.
        interarrival_ms: Dist,
    },
}

impl Default for Arrivals {
    fn default() -> Self {
        Arrivals::Poisson { rate_per_s: 10.0 }
    }
}

impl Arrivals {
    /// Long-run average arrival rate per second over `[0, horizon_s]`.
    #[must_use]
    pub fn mean_rate_per_s(&self, horizon_s: f64) -> f64 {
        match self {
            Arrivals::Poisson { rate_per_s } | Arrivals::Constant { rate_per_s } => *rate_per_s,
            Arrivals::OnOff {
                on_rate_per_s,
                on,
                off,
            } => {
                let cycle = on.as_secs_f64() + off.as_secs_f64();
                if cycle <= 0.0 {
                    0.0
                } else {
                    on_rate_per_s * on.as_secs_f64() / cycle
                }
            }
            Arrivals::Sinusoid {
                mean_rate_per_s, ..
            } => *mean_rate_per_s,
            Arrivals::Renewal { interarrival_ms } => {
                let m = interarrival_ms.mean();
                if m > 0.0 { 1000.0 / m } else { f64::INFINITY }
            }
            Arrivals::Profile { points } => {
                if horizon_s <= 0.0 {
                    return points.first().map_or(0.0, |p| p.rate_per_s);
                }
                // Integrate the rate by sampling finely enough for steps and ramps.
                let n = 10_000;
                let dt = horizon_s / f64::from(n);
                (0..n)
                    .map(|i| profile_rate(points, (f64::from(i) + 0.5) * dt))
                    .sum::<f64>()
                    / f64::from(n)
            }
        }
    }

    /// The highest instantaneous rate, the bound used for thinning.
    #[must_use]
    pub fn peak_rate_per_s(&self) -> f64 {
        match self {
            Arrivals::OnOff { on_rate_per_s, .. } => *on_rate_per_s,
            Arrivals::Sinusoid {
                mean_rate_per_s,
                amplitude,
                ..
            } => mean_rate_per_s * (1.0 + amplitude.abs()),
            Arrivals::Profile { points } => points.iter().map(|p| p.rate_per_s).fold(0.0, f64::max),
            other => other.mean_rate_per_s(0.0),
        }
    }

    /// Every problem with the parameters, as short phrases (empty when valid).
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let rate = |out: &mut Vec<String>, name: &str, v: f64| {
            if !v.is_finite() || v < 0.0 {
                out.push(format!("{name} must be a finite rate >= 0, got {v}"));
            } else if v > 1e9 {
                out.push(format!(
                    "{name} of {v:e}/s is beyond what a simulation can run (max 1e9/s)"
                ));
            }
        };
        match self {
            Arrivals::Poisson { rate_per_s } | Arrivals::Constant { rate_per_s } => {
                rate(&mut out, "rate_per_s", *rate_per_s);
            }
            Arrivals::OnOff {
                on_rate_per_s,
                on,
                off,
            } => {
                rate(&mut out, "on_rate_per_s", *on_rate_per_s);
                if on.ns == 0 {
                    out.push("the on phase must be longer than zero".to_owned());
                }
                let _ = off;
            }
            Arrivals::Profile { points } => {
                if points.is_empty() {
                    out.push("a profile needs at least one point".to_owned());
                }
                for p in points {
                    rate(&mut out, "rate_per_s", p.rate_per_s);
                }
                if points.windows(2).any(|w| w[1].at < w[0].at) {
                    out.push("profile points must be in time order".to_owned());
                }
            }
            Arrivals::Sinusoid {
                mean_rate_per_s,
                amplitude,
                period,
            } => {
                rate(&mut out, "mean_rate_per_s", *mean_rate_per_s);
                if !amplitude.is_finite() || !(0.0..=1.0).contains(amplitude) {
                    out.push(format!(
                        "amplitude must be between 0 and 1, got {amplitude}"
                    ));
                }
                if period.ns == 0 {
                    out.push("period must be longer than zero".to_owned());
                }
            }
            Arrivals::Renewal { interarrival_ms } => {
                out.extend(
                    interarrival_ms
                        .problems()
                        .into_iter()
                        .map(|p| format!("interarrival_ms: {p}")),
                );
                if interarrival_ms.problems().is_empty() && interarrival_ms.mean() <= 0.0 {
                    out.push("interarrival_ms must have a positive mean".to_owned());
                }
            }
        }
        out
    }
}

/// Instantaneous rate of a profile at `t_s` seconds.
#[must_use]
pub fn profile_rate(points: &[ProfilePoint], t_s: f64) -> f64 {
    let Some(first) = points.first() else {
        return 0.0;
    };
    if t_s < first.at.as_secs_f64() {
        return first.rate_per_s;
    }
    // index of the first point strictly after t
    let next = points.partition_point(|p| p.at.as_secs_f64() <= t_s);
    if next >= points.len() {
        return points[points.len() - 1].rate_per_s;
    }
    let prev = &points[next - 1];
    let nxt = &points[next];
    if nxt.ramp {
        let t0 = prev.at.as_secs_f64();
        let t1 = nxt.at.as_secs_f64();
        let f = if t1 > t0 { (t_s - t0) / (t1 - t0) } else { 1.0 };
        prev.rate_per_s + f * (nxt.rate_per_s - prev.rate_per_s)
    } else {
        prev.rate_per_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_have_closed_forms() {
        assert_eq!(Dist::Constant(3.0).mean(), 3.0);
        assert_eq!(Dist::Uniform { min: 2.0, max: 4.0 }.mean(), 3.0);
        let ln = Dist::LogNormal {
            p50: 10.0,
            p99: 10.0 * Z99.exp(),
        };
        assert!((ln.mean() - 10.0 * 0.5f64.exp()).abs() < 1e-9);
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-9);
        let w = Dist::Weibull {
            shape: 1.0,
            scale: 7.0,
        };
        assert!((w.mean() - 7.0).abs() < 1e-9);
        assert!(
            (Dist::Pareto {
                shape: 3.0,
                scale: 2.0
            }
            .mean()
                - 3.0)
                .abs()
                < 1e-12
        );
        // far from zero the truncation does not matter
        assert!(
            (Dist::Normal {
                mean: 100.0,
                std_dev: 1.0
            }
            .mean()
                - 100.0)
                .abs()
                < 1e-9
        );
        // half-normal: sd * sqrt(2/pi)
        let half = Dist::Normal {
            mean: 0.0,
            std_dev: 1.0,
        }
        .mean();
        assert!(
            (half - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6,
            "{half}"
        );
        let e = Dist::Empirical {
            points: vec![(0.0, 0.0), (50.0, 10.0), (100.0, 10.0)],
        };
        assert!((e.mean() - 7.5).abs() < 1e-12);
    }

    #[test]
    fn problems_are_reported() {
        assert!(Dist::Exponential { mean: f64::NAN }.problems().len() == 1);
        assert!(
            Dist::LogNormal {
                p50: 10.0,
                p99: 5.0
            }
            .problems()
            .len()
                == 1
        );
        assert!(
            Dist::Empirical {
                points: vec![(10.0, 1.0), (100.0, 0.5)]
            }
            .problems()
            .len()
                == 2
        );
        assert!(Arrivals::Poisson { rate_per_s: -1.0 }.problems().len() == 1);
        assert!(Arrivals::Poisson { rate_per_s: 5.0 }.problems().is_empty());
    }

    #[test]
    fn profile_steps_and_ramps() {
        let pts = vec![
            ProfilePoint {
                at: Duration::ZERO,
                rate_per_s: 10.0,
                ramp: false,
            },
            ProfilePoint {
                at: Duration::from_secs(10),
                rate_per_s: 30.0,
                ramp: true,
            },
            ProfilePoint {
                at: Duration::from_secs(20),
                rate_per_s: 5.0,
                ramp: false,
            },
        ];
        assert_eq!(profile_rate(&pts, 0.0), 10.0);
        assert!((profile_rate(&pts, 5.0) - 20.0).abs() < 1e-12);
        assert_eq!(profile_rate(&pts, 15.0), 30.0);
        assert_eq!(profile_rate(&pts, 25.0), 5.0);
        let a = Arrivals::Profile { points: pts };
        assert_eq!(a.peak_rate_per_s(), 30.0);
        assert!((a.mean_rate_per_s(20.0) - 25.0).abs() < 0.01);
    }
}
