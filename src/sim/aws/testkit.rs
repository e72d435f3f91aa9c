//! Pieces for unit tests that assemble a small simulation by hand around a scripted
//! component (a callee or a caller that no kind of the model behaves like).
#![allow(clippy::unwrap_used)]

use crate::model::{Arrivals, Document, Retry, Routing};
use crate::sim::basic::ProducerB;
use crate::sim::engine::{Behaviour, EventTypeRt, Link, Outputs, Simulation};
use crate::sim::metrics::ComponentMetrics;
use crate::sim::resend::WithSdk;
use crate::sim::sample::{ArrivalGen, Sampler};
use crate::sim::{CompId, LinkId};

/// A link to component number `target` of weight 1, without latency or filter.
pub(crate) fn link(target: u32) -> Link {
    Link {
        target: CompId::new(target),
        weight: 1.0,
        latency: None,
        filter: None,
    }
}

/// A component's delivery and failure links, by number (fan-out).
pub(crate) fn outputs(delivery: Vec<u32>, failure: Vec<u32>) -> Outputs {
    Outputs {
        delivery: delivery.into_iter().map(LinkId::new).collect(),
        failure: failure.into_iter().map(LinkId::new).collect(),
        routing: Routing::FanOut,
    }
}

/// A producer of `n` events at a constant `rate_per_s`, of event type 0, that does not
/// retry beyond the default policy.
pub(crate) fn producer(rate_per_s: f64, n: u64) -> WithSdk<ProducerB> {
    WithSdk::new(
        ProducerB {
            arrivals: ArrivalGen::new(&Arrivals::Constant { rate_per_s }).unwrap(),
            mix: vec![(0, 1.0)],
            remaining: Some(n),
            keys: None,
        },
        Retry::default(),
    )
}

/// The simulation of `doc` (seed 1) with these behaviours and wiring, one event type of
/// `size` bytes, and the shared `pools` (limit, in use).
pub(crate) fn assemble(
    doc: &Document,
    parts: Vec<(Box<dyn Behaviour>, ComponentMetrics, Outputs)>,
    links: Vec<Link>,
    size: f64,
    pools: Vec<(u64, u64)>,
) -> Simulation {
    let mut behaviours = Vec::with_capacity(parts.len());
    let mut metrics = Vec::with_capacity(parts.len());
    let mut outs = Vec::with_capacity(parts.len());
    for (b, m, o) in parts {
        behaviours.push(b);
        metrics.push(m);
        outs.push(o);
    }
    let types = vec![EventTypeRt {
        size: Sampler::Constant(size),
        attrs: Vec::new(),
    }];
    Simulation::assemble(doc, 1, behaviours, metrics, outs, links, types, pools)
}

/// The one timer of a scripted test component: step `n` of its script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Nth(pub usize);

impl crate::sim::Timer for Nth {
    fn encode(self) -> (u32, u64) {
        (0, self.0 as u64)
    }

    fn decode(tag: u32, data: u64) -> Option<Self> {
        (tag == 0).then_some(Nth(usize::try_from(data).unwrap_or(usize::MAX)))
    }
}
