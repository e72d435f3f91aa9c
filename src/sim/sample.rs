//! Samplers compiled from the document's distributions and arrival processes.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Pareto, Weibull};

use super::SimTime;
use crate::model::{
    Arrivals, Dist, NS_PER_MS, NS_PER_S, ProfilePoint, lognormal_sigma, profile_rate,
};

/// The random generator every component owns: ChaCha8, portable and seedable.
pub type SimRng = rand_chacha::ChaCha8Rng;

/// A compiled [`Dist`]: draws values in the unit of the field it came from.
#[derive(Clone, Debug)]
pub enum Sampler {
    /// Fixed value.
    Constant(f64),
    /// `min + (max - min) * U`.
    Uniform(f64, f64),
    /// Exponential.
    Exp(Exp<f64>),
    /// Normal, redrawn while negative.
    Normal(Normal<f64>),
    /// Log-normal.
    LogNormal(LogNormal<f64>),
    /// Gamma (also Erlang).
    Gamma(Gamma<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// Pareto.
    Pareto(Pareto<f64>),
    /// Inverse-CDF table: (cumulative probability 0..=1, value).
    Empirical(Vec<(f64, f64)>),
}

/// A distribution whose parameters the engine cannot use (validation should have caught it).
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid distribution parameters: {0}")]
pub struct SamplerError(pub String);

impl Sampler {
    /// Compile a distribution.
    ///
    /// # Errors
    /// When the parameters are invalid.
    pub fn new(d: &Dist) -> Result<Self, SamplerError> {
        let problems = d.problems();
        if !problems.is_empty() {
            return Err(SamplerError(problems.join("; ")));
        }
        let err = |e: &dyn std::fmt::Display| SamplerError(e.to_string());
        Ok(match d {
            Dist::Constant(v) => Sampler::Constant(*v),
            Dist::Uniform { min, max } => Sampler::Uniform(*min, *max),
            Dist::Exponential { mean } => Sampler::Exp(Exp::new(1.0 / mean).map_err(|e| err(&e))?),
            Dist::Normal { mean, std_dev } => {
                Sampler::Normal(Normal::new(*mean, *std_dev).map_err(|e| err(&e))?)
            }
            Dist::LogNormal { p50, p99 } => Sampler::LogNormal(
                LogNormal::new(p50.ln(), lognormal_sigma(*p50, *p99)).map_err(|e| err(&e))?,
            ),
            Dist::Gamma { shape, mean } => {
                Sampler::Gamma(Gamma::new(*shape, mean / shape).map_err(|e| err(&e))?)
            }
            Dist::Erlang { k, mean } => {
                let k = f64::from(*k);
                Sampler::Gamma(Gamma::new(k, mean / k).map_err(|e| err(&e))?)
            }
            Dist::Weibull { shape, scale } => {
                Sampler::Weibull(Weibull::new(*scale, *shape).map_err(|e| err(&e))?)
            }
            Dist::Pareto { shape, scale } => {
                Sampler::Pareto(Pareto::new(*scale, *shape).map_err(|e| err(&e))?)
            }
            Dist::Empirical { points } => {
                Sampler::Empirical(points.iter().map(|(p, v)| (p / 100.0, *v)).collect())
            }
        })
    }

    /// One draw (never negative).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Constant(v) => *v,
            Sampler::Uniform(a, b) => a + (b - a) * rng.random::<f64>(),
            Sampler::Exp(d) => d.sample(rng),
            Sampler::Normal(d) => {
                // Rejection keeps the shape of the truncated normal; validation requires a
                // positive mean, so at least half of the draws are accepted.
                for _ in 0..64 {
                    let x = d.sample(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Weibull(d) => d.sample(rng),
            Sampler::Pareto(d) => d.sample(rng),
            Sampler::Empirical(table) => {
                let u: f64 = rng.random();
                let i = table
                    .partition_point(|(p, _)| *p <= u)
                    .clamp(1, table.len() - 1);
                let (p0, v0) = table[i - 1];
                let (p1, v1) = table[i];
                if p1 > p0 {
                    v0 + (u - p0) / (p1 - p0) * (v1 - v0)
                } else {
                    v1
                }
            }
        }
    }

    /// One draw of a millisecond quantity as whole nanoseconds (saturating).
    #[inline]
    pub fn sample_ms_as_ns<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        // Draws are never negative, so adding 0.5 and truncating rounds to nearest (and is
        // cheaper than `f64::round`); `as` saturates, so an absurd draw becomes u64::MAX.
        (self.sample(rng) * NS_PER_MS as f64 + 0.5) as SimTime
    }
}

/// Generates arrival instants for one producer.
#[derive(Clone, Debug)]
pub enum ArrivalGen {
    /// Poisson with fixed rate: exponential gaps.
    Poisson(Exp<f64>),
    /// Fixed gap in ns (fractional part carried).
    Constant {
        /// Gap in ns.
        gap_ns: f64,
        /// Exact time of the last arrival, in ns.
        last: f64,
    },
    /// Poisson during on windows, mapped from "on time" to wall time.
    OnOff {
        /// Exponential gaps in on-time seconds.
        gap: Exp<f64>,
        /// On length in ns.
        on_ns: f64,
        /// Off length in ns.
        off_ns: f64,
        /// Accumulated on-time in ns.
        on_clock: f64,
    },
    /// Non-homogeneous Poisson by thinning (Lewis and Shedler).
    Thinning {
        /// Candidates at the peak rate.
        gap: Exp<f64>,
        /// Peak rate per second.
        peak: f64,
        /// Rate function.
        rate: RateFn,
        /// Time of the last candidate, in seconds.
        t_s: f64,
    },
    /// Renewal process with any gap distribution (ms).
    Renewal(Sampler),
    /// No arrivals (zero rate).
    Never,
}

/// A time-varying arrival rate.
#[derive(Clone, Debug)]
pub enum RateFn {
    /// Piecewise profile.
    Profile(Vec<ProfilePoint>),
    /// `mean * (1 + amplitude * sin(2 pi t / period))`.
    Sinusoid {
        /// Mean rate per second.
        mean: f64,
        /// Relative amplitude.
        amplitude: f64,
        /// Period in seconds.
        period_s: f64,
    },
}

impl RateFn {
    fn at(&self, t_s: f64) -> f64 {
        match self {
            RateFn::Profile(points) => profile_rate(points, t_s),
            RateFn::Sinusoid {
                mean,
                amplitude,
                period_s,
            } => mean * (1.0 + amplitude * (std::f64::consts::TAU * t_s / period_s).sin()),
        }
    }
}

impl ArrivalGen {
    /// Compile an arrival process.
    ///
    /// # Errors
    /// When the parameters are invalid.
    pub fn new(a: &Arrivals) -> Result<Self, SamplerError> {
        let problems = a.problems();
        if !problems.is_empty() {
            return Err(SamplerError(problems.join("; ")));
        }
        let exp = |rate: f64| Exp::new(rate).map_err(|e| SamplerError(e.to_string()));
        Ok(match a {
            Arrivals::Poisson { rate_per_s } if *rate_per_s > 0.0 => {
                ArrivalGen::Poisson(exp(*rate_per_s)?)
            }
            Arrivals::Constant { rate_per_s } if *rate_per_s > 0.0 => ArrivalGen::Constant {
                gap_ns: NS_PER_S as f64 / rate_per_s,
                last: 0.0,
            },
            Arrivals::OnOff {
                on_rate_per_s,
                on,
                off,
            } if *on_rate_per_s > 0.0 => ArrivalGen::OnOff {
                gap: exp(*on_rate_per_s)?,
                on_ns: on.ns as f64,
                off_ns: off.ns as f64,
                on_clock: 0.0,
            },
            Arrivals::Profile { points } if a.peak_rate_per_s() > 0.0 => ArrivalGen::Thinning {
                gap: exp(a.peak_rate_per_s())?,
                peak: a.peak_rate_per_s(),
                rate: RateFn::Profile(points.clone()),
                t_s: 0.0,
            },
            Arrivals::Sinusoid {
                mean_rate_per_s,
                amplitude,
                period,
            } if *mean_rate_per_s > 0.0 => ArrivalGen::Thinning {
                gap: exp(a.peak_rate_per_s())?,
                peak: a.peak_rate_per_s(),
                rate: RateFn::Sinusoid {
                    mean: *mean_rate_per_s,
                    amplitude: *amplitude,
                    period_s: period.as_secs_f64(),
                },
                t_s: 0.0,
            },
            Arrivals::Renewal { interarrival_ms } => {
                ArrivalGen::Renewal(Sampler::new(interarrival_ms)?)
            }
            _ => ArrivalGen::Never,
        })
    }

    /// The next arrival strictly after... or at `now` (ns); `None` when there are no more
    /// (zero rate, or past `horizon`).
    pub fn next<R: Rng + ?Sized>(
        &mut self,
        now: SimTime,
        horizon: SimTime,
        rng: &mut R,
    ) -> Option<SimTime> {
        let ns = NS_PER_S as f64;
        let t = match self {
            ArrivalGen::Never => return None,
            ArrivalGen::Poisson(gap) => now.saturating_add((gap.sample(rng) * ns + 0.5) as u64),
            ArrivalGen::Constant { gap_ns, last } => {
                *last += *gap_ns;
                last.round() as SimTime
            }
            ArrivalGen::OnOff {
                gap,
                on_ns,
                off_ns,
                on_clock,
            } => {
                *on_clock += gap.sample(rng) * ns;
                let cycles = (*on_clock / *on_ns).floor();
                let wall = cycles * (*on_ns + *off_ns) + (*on_clock - cycles * *on_ns);
                wall.round() as SimTime
            }
            ArrivalGen::Thinning {
                gap,
                peak,
                rate,
                t_s,
            } => {
                let horizon_s = horizon as f64 / ns;
                loop {
                    *t_s += gap.sample(rng);
                    if *t_s > horizon_s {
                        return None;
                    }
                    let accept: f64 = rng.random();
                    if accept * *peak <= rate.at(*t_s) {
                        break;
                    }
                }
                (*t_s * ns).round() as SimTime
            }
            ArrivalGen::Renewal(s) => now.saturating_add(s.sample_ms_as_ns(rng).max(1)),
        };
        (t <= horizon).then_some(t.max(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;
    use rand::SeedableRng;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let s = Sampler::new(d).unwrap();
        let mut rng = SimRng::seed_from_u64(3);
        (0..n).map(|_| s.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_declared_means() {
        let cases = [
            Dist::Constant(4.0),
            Dist::Uniform { min: 1.0, max: 3.0 },
            Dist::Exponential { mean: 15.0 },
            Dist::Normal {
                mean: 1.0,
                std_dev: 1.0,
            },
            Dist::LogNormal {
                p50: 10.0,
                p99: 50.0,
            },
            Dist::Gamma {
                shape: 2.5,
                mean: 8.0,
            },
            Dist::Erlang { k: 4, mean: 8.0 },
            Dist::Weibull {
                shape: 1.5,
                scale: 10.0,
            },
            Dist::Pareto {
                shape: 3.5,
                scale: 2.0,
            },
            Dist::Empirical {
                points: vec![(0.0, 1.0), (50.0, 5.0), (90.0, 20.0), (100.0, 100.0)],
            },
        ];
        for d in cases {
            let got = mean_of(&d, 400_000);
            let want = d.mean();
            assert!(
                (got - want).abs() / want < 0.01,
                "{d:?}: sample mean {got}, declared {want}"
            );
        }
    }

    #[test]
    fn lognormal_hits_its_percentiles() {
        let s = Sampler::new(&Dist::LogNormal {
            p50: 20.0,
            p99: 200.0,
        })
        .unwrap();
        let mut rng = SimRng::seed_from_u64(9);
        let mut v: Vec<f64> = (0..200_000).map(|_| s.sample(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        let p50 = v[100_000];
        let p99 = v[198_000];
        assert!((p50 / 20.0 - 1.0).abs() < 0.02, "{p50}");
        assert!((p99 / 200.0 - 1.0).abs() < 0.05, "{p99}");
    }

    fn count(a: &Arrivals, horizon_s: u64) -> usize {
        let mut g = ArrivalGen::new(a).unwrap();
        let mut rng = SimRng::seed_from_u64(5);
        let horizon = horizon_s * NS_PER_S;
        let mut now = 0;
        let mut n = 0;
        while let Some(t) = g.next(now, horizon, &mut rng) {
            assert!(t >= now);
            now = t;
            n += 1;
        }
        n
    }

    #[test]
    fn arrival_counts_match_rates() {
        assert_eq!(count(&Arrivals::Constant { rate_per_s: 10.0 }, 100), 1000);
        let n = count(&Arrivals::Poisson { rate_per_s: 50.0 }, 1000) as f64;
        assert!((n / 50_000.0 - 1.0).abs() < 0.02, "{n}");
        let onoff = Arrivals::OnOff {
            on_rate_per_s: 100.0,
            on: Duration::from_secs(1),
            off: Duration::from_secs(3),
        };
        let n = count(&onoff, 1000) as f64;
        assert!((n / 25_000.0 - 1.0).abs() < 0.03, "{n}");
        let sin = Arrivals::Sinusoid {
            mean_rate_per_s: 20.0,
            amplitude: 0.8,
            period: Duration::from_secs(100),
        };
        let n = count(&sin, 1000) as f64;
        assert!((n / 20_000.0 - 1.0).abs() < 0.03, "{n}");
        let prof = Arrivals::Profile {
            points: vec![
                ProfilePoint {
                    at: Duration::ZERO,
                    rate_per_s: 10.0,
                    ramp: false,
                },
                ProfilePoint {
                    at: Duration::from_secs(500),
                    rate_per_s: 50.0,
                    ramp: false,
                },
            ],
        };
        let n = count(&prof, 1000) as f64;
        assert!((n / 30_000.0 - 1.0).abs() < 0.03, "{n}");
        assert_eq!(count(&Arrivals::Poisson { rate_per_s: 0.0 }, 1000), 0);
    }
}
