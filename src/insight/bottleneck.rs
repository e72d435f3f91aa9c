//! The bottleneck explained in words: which component saturates first, when and why,
//! where the backlog builds and how fast, what to change, which latency percentiles are
//! made of redeliveries, where dead letters collect, and where retries add cost.
//!
//! Read from one run's [`Report`] (its per-bucket series) and its [`CostReport`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::causes::{self, counted_mean, is_dead_letter_store, percent};
use crate::cost::CostReport;
use crate::model::{ComponentKind, Document, LinkKind};
use crate::sim::Report;
use crate::units::{clock, counted, elapsed, rate, usd};

/// Utilisation at or above which a pool counts as saturated.
pub const SATURATED: f64 = 0.95;

/// Utilisation a recommendation aims for at the peak load.
pub const TARGET_UTILISATION: f64 = 0.85;

/// One sentence about one component (or the whole design).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The component it is about (display name), if any.
    pub component: Option<String>,
    /// When it started, in simulated seconds, if it is an event.
    pub at_s: Option<f64>,
    /// The sentence.
    pub text: String,
}

/// A backlog that built at a component: from bucket `start` to its peak.
struct Backlog {
    start: usize,
    peak: usize,
    peak_depth: f64,
    growth_per_s: f64,
}

/// The first stretch where `depth` rose for three buckets in a row to above 20, with
/// its growth rate up to the peak that follows.
fn backlog(depth: &[f64], bucket_s: f64) -> Option<Backlog> {
    let start = (0..depth.len().saturating_sub(3)).find(|&i| {
        depth[i + 1] > depth[i]
            && depth[i + 2] > depth[i + 1]
            && depth[i + 3] > depth[i + 2]
            && depth[i + 3] > 20.0
    })?;
    let mut peak = start;
    for (i, &d) in depth.iter().enumerate().skip(start) {
        if d >= depth[peak] {
            peak = i;
        } else if d < depth[peak] * 0.5 {
            break;
        }
    }
    let span_s = (peak - start) as f64 * bucket_s;
    Some(Backlog {
        start,
        peak,
        peak_depth: depth[peak],
        growth_per_s: if span_s > 0.0 {
            (depth[peak] - depth[start]) / span_s
        } else {
            0.0
        },
    })
}

/// The highest average of `rates` over a minute (at least one bucket): the peak a pool
/// has to carry, without the noise of single buckets.
fn sustained_peak(rates: &[f64], bucket_s: f64) -> f64 {
    let w = ((60.0 / bucket_s.max(1e-9)).ceil() as usize).clamp(1, rates.len().max(1));
    rates
        .windows(w)
        .map(|x| x.iter().sum::<f64>() / w as f64)
        .fold(0.0, f64::max)
}

/// What limits a pool, in words, and the parameter to change.
fn limit_words(kind: &ComponentKind) -> (&'static str, &'static str) {
    match kind {
        ComponentKind::Lambda(_) => ("concurrency limit", "reserved_concurrency"),
        ComponentKind::Station(_) => ("server count", "servers"),
        ComponentKind::ContainerService(_) => ("slots (replicas × concurrency)", "replicas"),
        _ => ("capacity", "capacity"),
    }
}

/// Explain the run. `capacities` by display name, as for [`super::analytic::pools`].
#[must_use]
#[expect(
    clippy::too_many_lines,
    reason = "the findings are written in the order they are read"
)]
pub fn explain(
    doc: &Document,
    report: &Report,
    capacities: &BTreeMap<String, u64>,
    cost: &CostReport,
) -> Vec<Finding> {
    let b = report.bucket_s;
    let mut out = Vec::new();
    let name_of = |id: &str| {
        doc.components
            .iter()
            .find(|c| c.id == id)
            .map_or(id.to_owned(), |c| c.display_name().to_owned())
    };

    // saturation of pools, earliest first
    let mut saturations = Vec::new();
    let mut busiest: Option<(String, f64, usize)> = None;
    for comp in &doc.components {
        let name = comp.display_name();
        let (Some(r), Some(&cap)) = (report.components.get(name), capacities.get(name)) else {
            continue;
        };
        if cap == 0 || r.utilisation.is_none() {
            continue;
        }
        let util: Vec<f64> = r.series.in_flight.iter().map(|x| x / cap as f64).collect();
        for (i, &u) in util.iter().enumerate() {
            if busiest.as_ref().is_none_or(|(_, bu, _)| u > *bu) {
                busiest = Some((name.to_owned(), u, i));
            }
        }
        if let Some(i) = util.iter().position(|&u| u >= SATURATED) {
            saturations.push((i, comp, cap));
        }
    }
    saturations.sort_by_key(|(i, _, _)| *i);
    for (k, (i, comp, cap)) in saturations.iter().enumerate() {
        let name = comp.display_name();
        let r = &report.components[name];
        let (what, param) = limit_words(&comp.kind);
        let mut text = format!(
            "{name} {}reached its {what} of {cap} at {}",
            if k == 0 { "saturated first: it " } else { "" },
            clock(*i as f64 * b)
        );
        // the backlog builds at the component itself or at a queue feeding it
        let mut feeders: Vec<String> = doc
            .connections
            .iter()
            .filter(|c| c.kind == LinkKind::Delivery && c.to == comp.id)
            .map(|c| name_of(&c.from))
            .collect();
        feeders.insert(0, name.to_owned());
        let grew = feeders.iter().find_map(|f| {
            let s = &report.components.get(f)?.series;
            let bl = backlog(&s.depth, b)?;
            (bl.start + 3 >= *i && bl.start <= i + 10).then_some((f.clone(), bl))
        });
        if let Some((f, bl)) = &grew {
            let _ = write!(
                text,
                "; the backlog at {f} grew at {} events/s to {:.0} waiting by {}",
                rate(bl.growth_per_s),
                bl.peak_depth,
                clock(bl.peak as f64 * b)
            );
        }
        let peak_rate = sustained_peak(&r.series.arrivals_per_s, b)
            * (1.0 + r.counters.retries as f64 / r.counters.arrivals.max(1) as f64);
        let service_ms = r.service_ms.as_ref().map_or(0.0, |s| s.mean);
        if service_ms > 0.0 {
            let need = (peak_rate * service_ms / 1000.0 / TARGET_UTILISATION).ceil() as u64;
            if need > *cap {
                match &comp.kind {
                    ComponentKind::ContainerService(p) => {
                        let per = u64::from(p.concurrency_per_replica.max(1));
                        let _ = write!(
                            text,
                            "; at the peak of {} events/s × {} it needs {need} slots: allow >= {} replicas",
                            rate(peak_rate),
                            elapsed(service_ms / 1000.0),
                            need.div_ceil(per)
                        );
                    }
                    _ => {
                        let _ = write!(
                            text,
                            "; at the peak of {} events/s × {} it needs {need}: raise {param} to >= {need} or add replicas",
                            rate(peak_rate),
                            elapsed(service_ms / 1000.0)
                        );
                    }
                }
            }
        }
        out.push(Finding {
            component: Some(name.to_owned()),
            at_s: Some(*i as f64 * b),
            text,
        });
    }
    if saturations.is_empty()
        && let Some((name, u, i)) = &busiest
    {
        out.push(Finding {
            component: Some(name.clone()),
            at_s: Some(*i as f64 * b),
            text: format!(
                "No pool saturated; the busiest was {name} at {:.0}% utilisation around {}",
                u * 100.0,
                clock(*i as f64 * b)
            ),
        });
    }

    // latency percentiles made of redeliveries
    for c in causes::redelivery_waits(doc, report) {
        out.push(Finding {
            component: Some(c.component),
            at_s: None,
            text: c.text,
        });
    }

    // backlogs at queues that did not come up above (a dead-letter queue collecting
    // dead letters is doing its job: those are told below)
    let mentioned: Vec<String> = out.iter().map(|f| f.text.clone()).collect();
    for comp in &doc.components {
        let name = comp.display_name();
        let Some(r) = report.components.get(name) else {
            continue;
        };
        if is_dead_letter_store(doc, comp) {
            continue;
        }
        if mentioned
            .iter()
            .any(|t| t.contains(&format!("backlog at {name} ")))
        {
            continue;
        }
        if let Some(bl) = backlog(&r.series.depth, b) {
            let age = r
                .series
                .gauges
                .get("oldest_age_s")
                .and_then(|a| a.get(bl.peak).copied());
            let mut text = format!(
                "A backlog built at {name} from {}: it grew at {} events/s to {:.0} waiting by {}",
                clock(bl.start as f64 * b),
                rate(bl.growth_per_s),
                bl.peak_depth,
                clock(bl.peak as f64 * b)
            );
            if let Some(a) = age.filter(|a| *a > 0.0) {
                let _ = write!(text, ", the oldest message then {} old", elapsed(a));
            }
            let consumers: Vec<String> = doc
                .connections
                .iter()
                .filter(|c| c.kind == LinkKind::Delivery && c.from == comp.id)
                .map(|c| name_of(&c.to))
                .collect();
            if !consumers.is_empty() {
                let _ = write!(
                    text,
                    "; its consumer {} could not keep up",
                    consumers.join(", ")
                );
            }
            out.push(Finding {
                component: Some(name.to_owned()),
                at_s: Some(bl.start as f64 * b),
                text,
            });
        }
    }

    // refusals, dead letters (where a dead-letter store collects them, it tells them)
    let stores = causes::dead_letters(doc, report);
    for (name, r) in &report.components {
        let c = &r.counters;
        if c.rejected > 0 && c.arrivals > 0 {
            out.push(Finding {
                component: Some(name.clone()),
                at_s: None,
                text: format!(
                    "{name} refused {} ({}% of its arrivals): throttled or out of capacity; senders retry them",
                    counted(c.rejected, "attempt", "attempts"),
                    percent(c.rejected as f64 / c.arrivals as f64)
                ),
            });
        }
        if c.dead_lettered > 0 && !stores.iter().any(|s| s.covers.contains(name)) {
            out.push(Finding {
                component: Some(name.clone()),
                at_s: None,
                text: format!(
                    "{name} dead-lettered {} after exhausting their attempts",
                    counted_mean(c.dead_lettered as f64, "event", "events")
                ),
            });
        }
    }
    for s in stores {
        out.push(Finding {
            component: Some(s.component),
            at_s: None,
            text: s.text,
        });
    }

    // retries amplifying cost
    for (name, c) in &cost.components {
        if c.usd > 0.0 && c.retry_usd / c.usd >= 0.02 {
            out.push(Finding {
                component: Some(name.clone()),
                at_s: None,
                text: format!(
                    "Retries amplify cost at {name}: {}% of its cost ({} of {} a month) pays for retries and redeliveries",
                    percent(c.retry_usd / c.usd),
                    usd(c.retry_usd / c.usd * c.per_month_usd),
                    usd(c.per_month_usd)
                ),
            });
        }
    }
    out
}

/// One line with the answers a user looks for first: the worst end-to-end p99 and the
/// monthly cost.
#[must_use]
pub fn headline(report: &Report, cost: &CostReport) -> String {
    let worst = report
        .end_to_end
        .iter()
        .max_by(|a, b| a.latency_ms.p99.total_cmp(&b.latency_ms.p99));
    let mut s = match worst {
        Some(e) => format!(
            "p99 end to end {} ({} -> {}, p50 {})",
            elapsed(e.latency_ms.p99 / 1000.0),
            e.from,
            e.to,
            elapsed(e.latency_ms.p50 / 1000.0)
        ),
        None => "no event reached a terminal component".to_owned(),
    };
    if cost.components.is_empty() {
        s.push_str("; nothing priced");
    } else {
        let _ = write!(
            s,
            "; {} a month at this load ({} per million events)",
            usd(cost.per_month_usd),
            usd(cost.per_million_events_usd)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_sustained_over_a_minute() {
        // 20 s buckets: a one-bucket spike counts for a third of a minute
        let r = [10.0, 10.0, 100.0, 10.0, 10.0, 30.0, 30.0, 30.0];
        assert!((sustained_peak(&r, 20.0) - 40.0).abs() < 1e-12);
        // minute buckets: each is a minute
        assert!((sustained_peak(&r, 60.0) - 100.0).abs() < 1e-12);
        // a minute longer than the run: the mean of all of it
        assert!((sustained_peak(&r, 1.0) - 230.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn a_backlog_is_a_sustained_rise() {
        let d = [0.0, 1.0, 0.0, 10.0, 30.0, 60.0, 90.0, 80.0, 20.0, 5.0];
        let bl = backlog(&d, 10.0).unwrap();
        assert_eq!(bl.start, 2);
        assert_eq!(bl.peak, 6);
        assert!((bl.growth_per_s - 90.0 / 40.0).abs() < 1e-12);
        assert!(backlog(&[0.0, 1.0, 2.0, 3.0, 2.0], 1.0).is_none());
    }
}
