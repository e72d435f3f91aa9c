//! The live overlay of the canvas: a badge per component and a rate per connection, read
//! from the latest snapshot, and the colour of a utilisation.

use std::collections::BTreeMap;

use egui::Color32;

use super::Snapshot;
use crate::model::Document;

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
                dlq_held: (r.kind == "DeadLetterQueue"
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
    }
}

/// Colour for a utilisation from idle (green) through busy (amber) to saturated (red).
#[must_use]
pub fn utilisation_color(u: f64) -> Color32 {
    let u = u.clamp(0.0, 1.0) as f32;
    let lerp = |a: Color32, b: Color32, t: f32| {
        let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
        Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
    };
    let green = Color32::from_rgb(46, 160, 67);
    let amber = Color32::from_rgb(230, 160, 20);
    let red = Color32::from_rgb(215, 48, 39);
    if u < 0.7 {
        lerp(green, amber, u / 0.7)
    } else {
        lerp(amber, red, ((u - 0.7) / 0.25).min(1.0))
    }
}
