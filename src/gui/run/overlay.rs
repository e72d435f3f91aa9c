//! The live overlay of the canvas: a badge per component and a rate per connection, read
//! from the latest snapshot, and the colour of a utilisation.

use std::collections::BTreeMap;

use super::Snapshot;
use crate::model::{Document, Kind};

/// The canvas overlay of a snapshot: a badge per component and a rate per connection.
#[must_use]
pub fn overlay(snap: &Snapshot, doc: &Document, dots: bool) -> crate::gui::canvas::LiveOverlay {
    use crate::gui::canvas::{Badge, LiveOverlay};
    let mut badges = BTreeMap::new();
    for (i, id) in snap.ids.iter().enumerate() {
        let name = &snap.names[i];
        let Some(r) = snap.report.components.get(name) else {
            continue;
        };
        let s = &r.series;
        let last = |v: &Vec<f64>, mean: f64| v.last().copied().unwrap_or(mean);
        let cap = snap.capacities.get(name).copied().unwrap_or(0);
        let in_flight = last(&s.in_flight, r.in_flight.mean);
        let c = &r.counters;
        badges.insert(
            id.clone(),
            Badge {
                throughput: last(&s.throughput_per_s, r.throughput_per_s),
                depth: (r.wait_ms.is_some() || r.queue_depth.max > 0)
                    .then(|| last(&s.depth, r.queue_depth.mean)),
                in_flight,
                capacity: cap,
                utilisation: (cap > 0).then(|| in_flight / cap as f64),
                oldest_age_s: s.gauges.get("oldest_age_s").and_then(|v| v.last().copied()),
                errors: c.failures + c.rejected + c.dropped + c.expired + c.failed,
                dead_letters: c.dead_lettered,
                dlq_held: (r.kind == Kind::DeadLetterQueue
                    || doc
                        .connections
                        .iter()
                        .any(|k| k.to == *id && k.kind != crate::model::LinkKind::Delivery))
                .then_some(c.arrivals),
            },
        );
    }
    let links = doc
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.from.clone(),
                c.to.clone(),
                snap.edge_rates.get(i).copied().unwrap_or(0.0),
            )
        })
        .collect();
    LiveOverlay {
        badges,
        links,
        dots,
        // the app marks the results stale once the design is edited after the run
        stale: false,
    }
}
